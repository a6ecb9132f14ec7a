"""``ketenbus-dev demo`` end to end: a real subprocess on the session's broker, every process
of the chain started by it, and what it prints.

The demo uses the broker this test session runs (``local_kafka``, the same ports through
the environment), so it leaves it running, as it does for anyone's running broker.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from devkit.local_kafka import PROJECT_ROOT, LocalKafka

# What the samples hold that must never be printed: the signal's text, the tenants'
# names and phones of the two work orders.
PERSONAL = [
    "Bewoonster woont alleen",
    "Dijk",
    "06-12345678",
    "p.vandijk@example.org",
    "Janssen",
    "043-3210987",
]


def run_demo(broker: LocalKafka, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KETENBUS_KAFKA_PORT": str(broker.port),
        "KETENBUS_KAFKA_CONTROLLER_PORT": str(broker.controller_port),
        "COLUMNS": "200",  # rich's width without a terminal: no table cell folded mid-word
    }
    return subprocess.run(
        [sys.executable, "-m", "devkit", "demo", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_demo_feeds_every_partner_and_every_call_is_valid_vera(
    local_kafka: LocalKafka,
) -> None:
    result = run_demo(local_kafka)
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-4000:]

    for partner, channel in [
        ("maasdal", "webhook"),
        ("heuvelland", "file inbox"),
        ("gulpdal", "file inbox"),
        ("roerdal", "polled API"),
    ]:
        assert any(partner in line and channel in line for line in out.splitlines()), partner
    assert "polled by ingress: 2 feed calls (200, 200)" in out
    assert "onderhoud (VERA OHD): statuses, appointments, hours, materials" in out
    assert row_with(out, "WL-2026-004711", "maasdal", "TEC", "1.25 UUR", "radiatorkraan EUR 38.95")
    assert "financien (VERA OHD): invoice F2026-01877 from heuvelland" in out
    assert row_with(out, "Arbeid timmerman", "146.25", "30.71", "ALG")
    assert row_with(out, "total incl. btw", "207.15", "35.95")
    assert "relaties (VERA BRG)" in out
    assert "Toelichting monteur: ••• (103 characters, special category" in out
    assert "keten.dwh.v1" in out
    assert "VERWAARLOZING" in out
    assert "its API: POST /api/v2/opdrachten" in out
    assert "WL-2026-004800" in out
    assert "its outbox: WL_WL-2026-004801.xml" in out
    for text in PERSONAL:
        assert text not in out, f"printed personal data: {text!r}"
    # The last line; at least the 17 calls the samples make (a retry would add one).
    last = out.strip().splitlines()[-1]
    verdict = re.fullmatch(
        r"every call was valid VERA: (\d+) calls to financien, onderhoud, relaties, .*", last
    )
    assert verdict is not None, last
    assert int(verdict[1]) >= 17

    assert still_running(out) == []

    # The run's topics were its own and are gone, so the next run starts clean.
    config = tomllib.loads((PROJECT_ROOT / "var" / "demo" / "ketenbus.toml").read_text())
    prefix = config["kafka"]["topic_prefix"]
    assert prefix.startswith("demo")
    assert asyncio.run(topics_named(local_kafka, prefix)) == []


def test_a_process_that_cannot_start_is_named_and_everything_is_stopped(
    local_kafka: LocalKafka, tmp_path: Path
) -> None:
    result = run_demo(local_kafka, "--vera-specs", str(tmp_path))  # no OHD.yaml, no BRG.yaml

    assert result.returncode == 1
    assert "demo failed: backoffice exited with 2 (see " in result.stdout
    assert "OHD.yaml not found" in (PROJECT_ROOT / "var" / "demo" / "backoffice.log").read_text()
    assert still_running(result.stdout) == []


def still_running(out: str) -> list[str]:
    """The demo's processes (from its "<name> started (pid N)" lines) that still run."""
    started = re.findall(r"^(\S+) started \(pid (\d+)\)$", out, flags=re.MULTILINE)
    assert len(started) == 7, out[:2000]
    running = []
    for name, pid in started:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            continue
        running.append(name)
    return running


def row_with(out: str, *cells: str) -> bool:
    return any(all(cell in line for cell in cells) for line in out.splitlines())


async def topics_named(broker: LocalKafka, prefix: str) -> list[str]:
    """The topics of ``prefix``, waiting up to 10 s for them to go: the controller
    deletes them at once, the broker's metadata follows a moment later."""
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    await admin.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            left = [name for name in await admin.list_topics() if name.startswith(prefix)]
            if not left or time.monotonic() > deadline:
                return left
            await asyncio.sleep(0.1)  # the broker offers no event for it
    finally:
        await admin.close()
