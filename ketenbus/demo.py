"""The demo: the whole flow once, with real processes on a real Kafka.

1. Start the local Kafka, the VERA reference back office, and the three ketenbus
   processes (``webhook``, ``translate``, ``route``) as separate processes, the way
   they run in production.
2. Send Maasdal's order history (``connectors/maasdal/samples``) to the webhook with
   valid signatures, once more as a duplicate, and once with a forged signature.
3. Wait until the maintenance system has every fact, then print what it received and
   where each order stands.

Everything it uses is in the project, the VERA specs (``contracts/vera``) included.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from connectors.channels.webhook import sign
from connectors.maasdal import SIGNATURE_HEADER
from ketenbus.local_kafka import PROJECT_ROOT, LocalKafka

SAMPLES = PROJECT_ROOT / "connectors" / "maasdal" / "samples"
DEMO_DIR = PROJECT_ROOT / "var" / "demo"
EXPECTED_CALLS = 10  # per order history: ACC, AFSPRAAK, GEREED of one order; OND, VER of another

console = Console()


def run_demo(*, vera_specs: Path, keep_kafka: bool) -> int:
    started = time.monotonic()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    broker = LocalKafka.from_env()
    kafka_was_running = broker.pid() is not None and broker.is_ready()
    with console.status("starting the local Kafka (first run fetches its jars)..."):
        broker.start()
    console.print(f"[green]kafka[/] ready on {broker.bootstrap_servers}")
    try:
        with ExitStack() as processes:
            backoffice_url, webhook_url, secret = _start_processes(processes, broker, vera_specs)
            _send_history(webhook_url, secret)
            received = _wait_for_calls(backoffice_url, EXPECTED_CALLS, timeout=60.0)
            orders = _get_json(f"{backoffice_url}/_control/orders")
            stats = _get_json(f"{backoffice_url}/_control/stats")
        _print_received(received)
        _print_orders(orders)
        console.print(
            f"back office: {stats}\n[bold green]demo done[/] in {time.monotonic() - started:.1f} s"
        )
        return 0
    except DemoError as exc:
        console.print(f"[bold red]demo failed:[/] {exc}\nlogs: {DEMO_DIR}")
        return 1
    finally:
        if not keep_kafka and not kafka_was_running:
            broker.stop()


class DemoError(RuntimeError):
    pass


def _start_processes(
    stack: ExitStack, broker: LocalKafka, vera_specs: Path
) -> tuple[str, str, str]:
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    backoffice_port, webhook_port = _free_port(), _free_port()
    api_key, secret = secrets.token_hex(16), secrets.token_hex(32)
    run_id = time.strftime("%Y%m%d%H%M%S")
    config = DEMO_DIR / "ketenbus.toml"
    config.write_text(
        f"""# Written by `ketenbus demo`; secrets come from the environment.
sender_organisation = "ketenbus-demo"

[kafka]
bootstrap_servers = "{broker.bootstrap_servers}"
topic_prefix = "demo{run_id}."

[webhook]
port = {webhook_port}

[partners.maasdal]

[destinations.onderhoud]
base_url = "http://127.0.0.1:{backoffice_port}/onderhoud"
concurrency = 4
"""
    )
    env = {
        **os.environ,
        "KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": f'["{secret}"]',
        "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": api_key,
    }
    backoffice = ["backoffice", "--port", str(backoffice_port), "--api-key", f"onderhoud={api_key}"]
    backoffice += ["--spec-dir", str(vera_specs)]
    for name, args in [
        ("backoffice", backoffice),
        ("webhook", ["--config", str(config), "webhook"]),
        ("translate", ["--config", str(config), "translate"]),
        ("route", ["--config", str(config), "route"]),
    ]:
        stack.enter_context(_process(name, args, env))
    backoffice_url = f"http://127.0.0.1:{backoffice_port}"
    webhook_url = f"http://127.0.0.1:{webhook_port}"
    _wait_healthy(f"{backoffice_url}/_control/health")
    _wait_healthy(f"{webhook_url}/health")
    return backoffice_url, webhook_url, secret


class _process:
    """A ketenbus subprocess, logging to var/demo/<name>.log, stopped with SIGTERM."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name, self.args, self.env = name, args, env

    def __enter__(self) -> subprocess.Popen[bytes]:
        log = open(DEMO_DIR / f"{self.name}.log", "wb")
        self.log = log
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "ketenbus", *self.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=PROJECT_ROOT,
        )
        console.print(f"[green]{self.name}[/] started (pid {self.popen.pid})")
        return self.popen

    def __exit__(self, *exc_info: object) -> None:
        self.popen.terminate()
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
        self.log.close()


def _send_history(webhook_url: str, secret: str) -> None:
    url = f"{webhook_url}/partners/maasdal/messages"
    table = Table(title="Maasdal sends (webhook)", title_justify="left")
    for column in ("message", "what", "answer"):
        table.add_column(column)
    files = sorted(SAMPLES.glob("*.json"))
    sends = [(path.name, path.read_bytes(), secret) for path in files]
    sends.append((f"{files[0].name} again", files[0].read_bytes(), secret))  # a re-send
    sends.append((f"{files[1].name} forged", files[1].read_bytes(), "not-the-secret"))
    with httpx.Client(timeout=15) as client:
        for name, body, key in sends:
            signature = sign(body, key, int(time.time()))
            response = client.post(
                url,
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            )
            table.add_row(name, _what(body), f"{response.status_code} {response.text[:40]}")
    console.print(table)


def _what(body: bytes) -> str:
    document = json.loads(body)
    kind = document.get("berichtType", "?")
    if kind == "STATUS":
        kind += " " + document["status"]["code"]
    return f"{kind} {document.get('opdrachtnummer', '')}"


def _wait_healthy(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise DemoError(f"{url} did not answer within {timeout:.0f} s")


def _wait_for_calls(backoffice_url: str, count: int, timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    received: list[dict[str, Any]] = []
    with console.status(f"waiting for {count} calls at the maintenance system..."):
        while time.monotonic() < deadline:
            received = _get_json(f"{backoffice_url}/_control/received?system=onderhoud")
            if len(received) >= count:
                return received
            time.sleep(0.2)
    raise DemoError(f"the maintenance system received {len(received)} of {count} calls")


def _print_received(received: list[dict[str, Any]]) -> None:
    table = Table(title="What the maintenance system received (VERA OHD)", title_justify="left")
    for column in ("#", "call", "Referentienummer", "body"):
        table.add_column(column, overflow="fold")
    for number, call in enumerate(received, start=1):
        table.add_row(
            str(number),
            f"{call['method']} {call['path']}",
            str(call.get("referentienummer", ""))[:13] + "…",
            _summary(call.get("body", {})),
        )
    console.print(table)


def _summary(body: dict[str, Any]) -> str:
    parts = []
    if "status" in body:
        parts.append(f"status {body['status']['code']}")
    for appointment in body.get("afspraken", []):
        parts.append(f"afspraak {appointment['begindatum']} - {appointment['einddatum']}")
    if "uitersteGereeddatum" in body:
        parts.append(f"uiterste gereed {body['uitersteGereeddatum']}")
    if "technischGereeddatum" in body:
        parts.append(f"technisch gereed {body['technischGereeddatum']}")
    for task in body.get("onderhoudstaken", []):
        detail = task.get("detailStatus", {}).get("code")
        parts.append(f"taak {task['status']['code']}" + (f"/{detail}" if detail else ""))
        for spent in task.get("onderhoudsbestedingen", []):
            line = f"  {spent['soort']['code']} {spent['aantal']} {spent['meeteenheid']['code']}"
            if "bedrag" in spent:
                line += f" EUR {spent['bedrag']}"
            parts.append(line)
    for defect in body.get("defecten", []):
        parts.append(f"defect oorzaak {defect.get('oorzaak', {}).get('code')}")
    return "\n".join(parts)


def _print_orders(orders: Any) -> None:
    table = Table(title="Where each order stands now", title_justify="left")
    for column in ("order", "status", "uiterste gereed", "technisch gereed"):
        table.add_column(column)
    items = orders.items() if isinstance(orders, dict) else ((o.get("id"), o) for o in orders)
    for order_id, state in sorted(items):
        table.add_row(
            str(order_id),
            str(state.get("status", {}).get("code", "")),
            str(state.get("uitersteGereeddatum", "")),
            str(state.get("technischGereeddatum", "")),
        )
    console.print(table)


def _get_json(url: str) -> Any:
    """GET and parse, with amounts as Decimal so they print as sent (64.90, not 64.9)."""
    return json.loads(httpx.get(url, timeout=5).content, parse_float=Decimal)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
