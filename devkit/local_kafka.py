"""A real Apache Kafka on loopback for development, the tests and the demo.

One combined broker+controller KRaft node, its jars resolved from Maven Central by
``deploy/kafka/pom.xml`` into ``.cache/kafka/libs``, its data and log in
``var/kafka/``. ``ketenbus-dev kafka start`` installs, formats, starts and waits until a
client can fetch metadata; ``stop`` ends it. Nothing here needs Docker.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = PROJECT_ROOT / "deploy" / "kafka"


class LocalKafkaError(RuntimeError):
    """The local broker could not be installed, started or stopped."""


@dataclass(frozen=True)
class LocalKafka:
    """Where the local broker lives and which loopback ports it uses.

    The ports are not Kafka's defaults (9092/9093), so a Kafka a developer already
    runs is never touched.
    """

    port: int = 19092
    controller_port: int = 19093
    libs_dir: Path = PROJECT_ROOT / ".cache" / "kafka" / "libs"
    state_dir: Path = PROJECT_ROOT / "var" / "kafka"
    heap: str = "1g"

    @classmethod
    def from_env(cls) -> LocalKafka:
        return cls(
            port=int(os.environ.get("KETENBUS_KAFKA_PORT", "19092")),
            controller_port=int(os.environ.get("KETENBUS_KAFKA_CONTROLLER_PORT", "19093")),
        )

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "kafka.pid"

    @property
    def properties_file(self) -> Path:
        return self.state_dir / "server.properties"

    # -- install -------------------------------------------------------------------

    def is_installed(self) -> bool:
        return any(self.libs_dir.glob("kafka_2.13-*.jar"))

    def install(self) -> None:
        """Resolve the broker's jars from Maven Central (once; cached afterwards)."""
        if self.is_installed():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise LocalKafkaError("Maven (mvn) is needed to fetch the Kafka jars; install it")
        self.libs_dir.mkdir(parents=True, exist_ok=True)
        command = [
            mvn, "-q", "-B", "-f", str(DEPLOY_DIR / "pom.xml"),
            "dependency:copy-dependencies", "-DincludeScope=runtime",
            f"-DoutputDirectory={self.libs_dir}",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LocalKafkaError(f"mvn could not resolve the Kafka jars:\n{result.stdout}")

    # -- start / stop --------------------------------------------------------------

    def pid(self) -> int | None:
        """The broker's process id, if it runs."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def is_ready(self) -> bool:
        """True when the client port accepts connections and the broker logged its start."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                pass
        except OSError:
            return False
        log = self.log_dir / "server.log"
        return log.exists() and "Kafka Server started" in log.read_text(errors="replace")

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker in the background and return when it is ready."""
        if self.pid() is not None and self.is_ready():
            return
        self.install()
        self._write_properties()
        self.format_storage()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.log_dir / "server.log").unlink(missing_ok=True)
        with open(self.log_dir / "stdout.log", "ab") as out:
            process = subprocess.Popen(
                [*self._java(), "kafka.Kafka", str(self.properties_file)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the shell that started it
            )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalKafkaError(
                    f"Kafka exited with {process.returncode}; see {self.log_dir}/stdout.log"
                )
            if self.is_ready():
                return
            time.sleep(0.2)
        self.stop()
        raise LocalKafkaError(f"Kafka was not ready within {timeout:.0f} s; see {self.log_dir}")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the broker (SIGTERM, a controlled shutdown; SIGKILL if it hangs)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pid() is None:
                break
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def wipe(self) -> None:
        """Stop the broker and delete its data (a clean slate for the demo)."""
        self.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    # -- internals -----------------------------------------------------------------

    def _java(self) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise LocalKafkaError("Java 17+ is needed to run Kafka 4; install a JDK")
        return [
            java,
            f"-Xmx{self.heap}",
            f"-Xms{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.log_dir}",
            "-cp",
            f"{self.libs_dir}/*",
        ]

    def _write_properties(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        template = Template((DEPLOY_DIR / "server.properties.template").read_text())
        self.properties_file.write_text(
            template.substitute(
                port=self.port,
                controller_port=self.controller_port,
                data_dir=self.data_dir,
            )
        )

    def format_command(self, cluster_id: str) -> list[str]:
        """The storage tool's command line for ``cluster_id``.

        ``--cluster-id=<id>`` as one argument: about one random id in 64 starts with
        ``-``, and ``-t <id>`` made the tool read such an id as an option (R13)."""
        return [
            *self._java(), "kafka.tools.StorageTool", "format",
            f"--cluster-id={cluster_id}", "--config", str(self.properties_file),
            "--ignore-formatted",
        ]  # fmt: skip

    def format_storage(self, cluster_id: str | None = None) -> None:
        """Format the data folder once (a new random cluster id unless one is given)."""
        if (self.data_dir / "meta.properties").exists():
            return
        self._write_properties()
        result = subprocess.run(
            self.format_command(cluster_id or new_cluster_id()),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LocalKafkaError(
                f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}"
            )


def new_cluster_id() -> str:
    """A Kafka cluster id: a random UUID in URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
