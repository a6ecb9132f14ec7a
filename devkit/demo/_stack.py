"""Everything the demo runs, each as its own process the way production runs them.

The VERA reference back office, the partner simulators (Roerdal's feed, Maasdal's
order API) and the five ketenbus processes, with one configuration file written for
this run: a topic prefix of its own (a second run never reads the first one's
records) and fresh secrets, handed over in the environment as in production.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
from rich.console import Console

from contracts.kafka import KafkaSettings
from devkit.local_kafka import PROJECT_ROOT

DEMO_DIR = PROJECT_ROOT / "var" / "demo"
ROERDAL_SAMPLES = PROJECT_ROOT / "connectors" / "roerdal" / "samples"
ROERDAL_PAGES = ("page-1.json", "page-2.json")
SYSTEMS = ("onderhoud", "financien", "relaties")
KETENBUS_PROCESSES = ("webhook", "ingress", "translate", "route", "outbound")


class DemoError(RuntimeError):
    """The demo could not do what it shows; the message says what was missing."""


@dataclass(frozen=True)
class Stack:
    """Where the running demo's parts are."""

    kafka: KafkaSettings
    backoffice_url: str
    simulators_url: str
    webhook_url: str
    webhook_secret: str
    partner_dirs: dict[str, Path]  # heuvelland, gulpdal: the inboxes; heuvelland-outbox
    processes: dict[str, subprocess.Popen[bytes]]

    def exited(self) -> list[str]:
        """The processes that ended although the demo still needs them, with their logs."""
        return [
            f"{name} exited with {popen.returncode} (see {DEMO_DIR / name}.log)"
            for name, popen in self.processes.items()
            if popen.poll() is not None
        ]

    @property
    def heuvelland_outbox(self) -> Path:
        return self.partner_dirs["heuvelland-outbox"]


def run_prefix() -> str:
    """A topic prefix of this run's own: its topics, groups and transactional ids."""
    return f"demo{time.strftime('%Y%m%d%H%M%S')}{uuid.uuid4().hex[:4]}."


def start_stack(
    processes: ExitStack, console: Console, kafka: KafkaSettings, vera_specs: Path
) -> Stack:
    """Start every process of the demo (stopped when ``processes`` closes), without
    waiting for them: see ``wait_until_answering``."""
    folders = _fresh_partner_folders()
    ports = {name: _free_port() for name in ("backoffice", "simulators", "webhook")}
    keys = {system: secrets.token_hex(16) for system in SYSTEMS}
    webhook_secret, maasdal_token = secrets.token_hex(32), secrets.token_hex(16)
    roerdal_secret = secrets.token_hex(16)
    backoffice_url = f"http://127.0.0.1:{ports['backoffice']}"
    simulators_url = f"http://127.0.0.1:{ports['simulators']}"
    config = DEMO_DIR / "ketenbus.toml"
    config.write_text(
        _config(
            kafka.bootstrap_servers,
            kafka.topic_prefix,
            ports["webhook"],
            backoffice_url,
            simulators_url,
            folders,
        )
    )
    env = {
        **os.environ,
        "KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": f'["{webhook_secret}"]',
        "KETENBUS_PARTNERS__MAASDAL__API_TOKEN": maasdal_token,
        "KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET": roerdal_secret,
        "KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY": secrets.token_hex(32),
        **{f"KETENBUS_DESTINATIONS__{s.upper()}__API_KEY": key for s, key in keys.items()},
    }
    backoffice = ["-m", "devkit", "backoffice", "--port", str(ports["backoffice"])]
    backoffice += ["--spec-dir", str(vera_specs)]
    for system, key in keys.items():
        backoffice += ["--api-key", f"{system}={key}"]
    simulators = ["-m", "devkit.partner_simulators", "--port", str(ports["simulators"])]
    simulators += ["--maasdal-token", maasdal_token, "--roerdal-client-id", "corporatie"]
    simulators += ["--roerdal-client-secret", roerdal_secret]
    for page in ROERDAL_PAGES:
        simulators += ["--roerdal-page", str(ROERDAL_SAMPLES / page)]
    commands = {"backoffice": backoffice, "partner-simulators": simulators}
    commands |= {
        name: ["-m", "ketenbus", "--config", str(config), name] for name in KETENBUS_PROCESSES
    }
    started = {
        n: processes.enter_context(_Process(console, n, a, env)) for n, a in commands.items()
    }
    # Runs first (last in): every process told to stop at once, then each one awaited.
    processes.callback(_stop_all, list(started.values()))
    return Stack(
        kafka=kafka,
        backoffice_url=backoffice_url,
        simulators_url=simulators_url,
        webhook_url=f"http://127.0.0.1:{ports['webhook']}",
        webhook_secret=webhook_secret,
        partner_dirs=folders,
        processes=started,
    )


def wait_until_answering(stack: Stack) -> None:
    """Until the servers answer (the back office, the simulators, the webhook); the
    Kafka consumers need no waiting: their groups start from the beginning."""
    for url in (
        f"{stack.backoffice_url}/_control/health",
        f"{stack.simulators_url}/roerdal/_control/calls",
        f"{stack.webhook_url}/health",
    ):
        _wait_answering(stack, url)


def _fresh_partner_folders() -> dict[str, Path]:
    """Each file partner's folders under var/demo/, emptied: a file a previous run left
    behind would be taken again and counted twice."""
    folders = {
        "heuvelland": DEMO_DIR / "heuvelland" / "inbox",
        "gulpdal": DEMO_DIR / "gulpdal" / "inbox",
        "heuvelland-outbox": DEMO_DIR / "heuvelland" / "outbox",
    }
    for partner in ("heuvelland", "gulpdal"):
        shutil.rmtree(DEMO_DIR / partner, ignore_errors=True)
    for folder in folders.values():
        folder.mkdir(parents=True)
    return folders


def _config(
    bootstrap_servers: str,
    prefix: str,
    webhook_port: int,
    backoffice_url: str,
    simulators_url: str,
    folders: dict[str, Path],
) -> str:
    # Inboxes listed twice a second (the default 5 s is for production), and Gulpdal's
    # files taken after half a second unchanged: the demo writes each file whole.
    return f"""# Written by `ketenbus-dev demo` for one run; secrets come from the environment.
sender_organisation = "ketenbus-demo"

[kafka]
bootstrap_servers = "{bootstrap_servers}"
topic_prefix = "{prefix}"

[webhook]
port = {webhook_port}

[partners.maasdal]
api_base_url = "{simulators_url}/maasdal"

[partners.heuvelland]
outbox_dir = "{folders["heuvelland-outbox"]}"
[partners.heuvelland.inbox]
path = "{folders["heuvelland"]}"
poll_seconds = 0.5

[partners.gulpdal.inbox]
path = "{folders["gulpdal"]}"
poll_seconds = 0.5
settle_seconds = 0.5

[partners.roerdal]
api_base_url = "{simulators_url}/roerdal"
client_id = "corporatie"

[destinations.onderhoud]
base_url = "{backoffice_url}/onderhoud"

[destinations.financien]
base_url = "{backoffice_url}/financien"

[destinations.relaties]
base_url = "{backoffice_url}/relaties"

[destinations.dwh]
"""


class _Process:
    """One process of the demo, logging to var/demo/<name>.log, stopped with SIGTERM."""

    def __init__(self, console: Console, name: str, args: list[str], env: dict[str, str]) -> None:
        self.console, self.name, self.args, self.env = console, name, args, env

    def __enter__(self) -> subprocess.Popen[bytes]:
        self.log = open(DEMO_DIR / f"{self.name}.log", "wb")  # closed in __exit__
        self.popen = subprocess.Popen(
            [sys.executable, *self.args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=PROJECT_ROOT,
        )
        self.console.print(f"[green]{self.name}[/] started (pid {self.popen.pid})")
        return self.popen

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self.log.close()


def _stop_all(started: list[subprocess.Popen[bytes]]) -> None:
    for popen in started:
        if popen.poll() is None:
            popen.terminate()


def _wait_answering(stack: Stack, url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if exited := stack.exited():
            raise DemoError("; ".join(exited))
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise DemoError(f"{url} did not answer within {timeout:.0f} s (logs: {DEMO_DIR})")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
