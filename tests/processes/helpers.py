"""Real ``ketenbus`` processes for the tests: a config file, a subprocess, its log.

Each process runs ``python -m ketenbus --config <file> <command>`` with its output in
a log file of the test's own, so a test can wait for a line, count lines per second
during an outage, and stop the process with SIGTERM (or ``kill -9`` it).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from connectors.channels.webhook import sign
from connectors.maasdal import SIGNATURE_HEADER
from contracts.kafka import KafkaSettings
from devkit.local_kafka import PROJECT_ROOT

SECRET = "maasdal-outage-secret"
API_KEY = "onderhoud-outage-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    directory: Path,
    kafka: KafkaSettings,
    *,
    backoffice_port: int | None = None,
    heuvelland: bool = False,
) -> Path:
    """A ketenbus.toml: Maasdal's webhook, the maintenance system (onderhoud) as the
    destination and, with ``heuvelland``, Heuvelland's inbox and outbox in ``directory``."""
    config = directory / "ketenbus.toml"
    text = f"""[kafka]
bootstrap_servers = "{kafka.bootstrap_servers}"
topic_prefix = "{kafka.topic_prefix}"
partitions = {kafka.partitions}

[webhook]
port = {free_port()}

[partners.maasdal]

[destinations.onderhoud]
base_url = "http://127.0.0.1:{backoffice_port or free_port()}/onderhoud"
"""
    if heuvelland:
        for folder in ("inbox", "outbox"):
            (directory / folder).mkdir()
        text += f"""
[partners.heuvelland]
outbox_dir = "{directory / "outbox"}"

[partners.heuvelland.inbox]
path = "{directory / "inbox"}"
poll_seconds = 0.5
settle_seconds = 0
"""
    config.write_text(text)
    return config


@dataclass
class KetenbusProcess:
    """A running ``ketenbus`` subprocess and its log."""

    popen: subprocess.Popen[bytes]
    log_path: Path
    started: float = field(default_factory=time.monotonic)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def lines(self) -> list[str]:
        return self.text().splitlines()

    def wait_for(self, condition: Callable[[str], bool], *, within: float, what: str) -> str:
        """Poll the log until ``condition(log)`` holds; fail naming ``what`` and the tail."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            text = self.text()
            if condition(text):
                return text
            if self.popen.poll() is not None:
                break
            time.sleep(0.1)
        tail = "\n".join(self.lines()[-30:])
        raise AssertionError(
            f"not within {within} s: {what} (exit code {self.popen.poll()}); log tail:\n{tail}"
        )

    def wait_for_line(self, fragment: str, *, within: float = 30.0) -> str:
        text = self.wait_for(lambda log: fragment in log, within=within, what=repr(fragment))
        return next(line for line in text.splitlines() if fragment in line)

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then the exit code (SIGKILL if it does not stop in time)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"did not stop within {timeout} s after SIGTERM") from None


@contextmanager
def ketenbus(
    command: str,
    config: Path | None,
    log_dir: Path,
    *,
    args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    module: str = "ketenbus",
    name: str | None = None,
) -> Iterator[KetenbusProcess]:
    """``ketenbus --config <config> <command> <args>`` as a subprocess, killed on exit
    if the test did not stop it; its log is ``<name or command>.log`` in ``log_dir``;
    ``module="devkit"`` runs a ``ketenbus-dev`` command (a stand-in) the same way."""
    log_path = log_dir / f"{name or command}.log"
    environment = {
        **os.environ,
        "KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": f'["{SECRET}"]',
        "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": API_KEY,
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
        **(env or {}),
    }
    configured = ["--config", str(config)] if config is not None else []
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(
            [sys.executable, "-m", module, *configured, command, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
            cwd=PROJECT_ROOT,
        )
    process = KetenbusProcess(popen, log_path)
    try:
        yield process
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.wait()


def post_signed(client: httpx.Client, base_url: str, body: bytes) -> httpx.Response:
    """One Maasdal message to the webhook, signed now."""
    return client.post(
        f"{base_url}/partners/maasdal/messages",
        content=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, SECRET, int(time.time())),
        },
    )


def webhook_port(config: Path) -> int:
    for line in config.read_text().splitlines():
        if line.startswith("port = "):
            return int(line.removeprefix("port = "))
    raise AssertionError(f"no webhook port in {config}")


async def logged(process: KetenbusProcess, fragment: str, *, within: float, since: int = 0) -> str:
    """Await a log line holding ``fragment`` (written after character ``since`` of the
    log), from a test whose event loop must keep running meanwhile (a simulator in it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        text = process.text()[since:]
        if fragment in text:
            return next(line for line in text.splitlines() if fragment in line)
        if process.popen.poll() is not None:
            break
        await asyncio.sleep(0.05)
    tail = "\n".join(process.lines()[-30:])
    raise AssertionError(
        f"not within {within} s: {fragment!r} (exit code {process.popen.poll()}); log tail:\n{tail}"
    )


async def stopped(process: KetenbusProcess, *, within: float = 20.0) -> int:
    """SIGTERM, then await the exit code without blocking the test's event loop."""
    if process.popen.poll() is None:
        process.popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + within
    while (code := process.popen.poll()) is None:
        if time.monotonic() > deadline:
            process.popen.kill()
            process.popen.wait()
            raise AssertionError(f"did not stop within {within} s after SIGTERM")
        await asyncio.sleep(0.05)
    return code


def poll(condition: Callable[[], bool], *, within: float, what: str, every: float = 0.1) -> float:
    """Wait until ``condition()`` holds; returns the seconds it took (fails after ``within``)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        time.sleep(every)
    return time.monotonic() - started
