"""What reached the corporation and the partners: waited for, then read back.

The back office's ``/_control`` API for the VERA systems, the warehouse's topics read
``read_committed`` the way the warehouse reads them, the Maasdal simulator's orders and
Heuvelland's outbox folder.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from rich.console import Console

from devkit.demo._stack import SYSTEMS, Stack
from kit.kafka.state import read_to_end

# What the samples of _feed.py become (their facts, as the mappings route them):
# onderhoud: Maasdal 5 (its signal goes to relaties) + Heuvelland 4 (its invoice goes to
# financien) + Gulpdal 3 (hours and materials travel with the completion) + Roerdal 3.
EXPECTED_CALLS = {"onderhoud": 15, "financien": 1, "relaties": 1}
# The warehouse: every order fact (the 15, the invoice) and the two assigned work orders.
EXPECTED_DWH_RECORDS = 18
EXPECTED_SIGNAL_COUNTS = 1  # one month, one category
EXPECTED_MAASDAL_ORDERS = {"WL-2026-004800"}
EXPECTED_HEUVELLAND_FILES = {"WL_WL-2026-004801.xml"}


@dataclass
class Outcome:
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    dwh: list[dict[str, Any]] = field(default_factory=list)
    signal_counts: list[dict[str, Any]] = field(default_factory=list)
    maasdal_orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    heuvelland_files: dict[str, bytes] = field(default_factory=dict)
    roerdal_calls: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what did not arrive in time

    @property
    def invalid_calls(self) -> list[dict[str, Any]]:
        return [call for call in self.calls if call.get("invalid")]


def wait_for_everything(stack: Stack, console: Console, timeout: float) -> Outcome:
    """Until everything the samples make has arrived, a call was refused as invalid
    VERA (it goes to the dead letters and never arrives), a process ended, or
    ``timeout`` passed."""
    return asyncio.run(_wait(stack, console, time.monotonic() + timeout))


async def _wait(stack: Stack, console: Console, deadline: float) -> Outcome:
    async with httpx.AsyncClient(timeout=5) as client:
        with console.status("waiting for the corporation's systems and the partners..."):
            while True:
                outcome = await _read(stack, client)
                outcome.missing = _missing(outcome)
                if not outcome.missing or outcome.invalid_calls:
                    return outcome
                if exited := stack.exited():
                    outcome.missing += exited
                    return outcome
                if time.monotonic() >= deadline:
                    return outcome
                await asyncio.sleep(0.3)


async def _read(stack: Stack, client: httpx.AsyncClient) -> Outcome:
    outcome = Outcome()
    received = await _get_json(client, f"{stack.backoffice_url}/_control/received")
    outcome.received = {s: [r for r in received if r["system"] == s] for s in SYSTEMS}
    outcome.calls = await _get_json(client, f"{stack.backoffice_url}/_control/calls")
    outcome.maasdal_orders = await _get_json(
        client, f"{stack.simulators_url}/maasdal/_control/orders"
    )
    outcome.roerdal_calls = await _get_json(
        client, f"{stack.simulators_url}/roerdal/_control/calls"
    )
    outcome.heuvelland_files = {
        path.name: path.read_bytes()
        for path in sorted(stack.heuvelland_outbox.glob("*.xml"))  # .part: not yet whole
    }
    topics = stack.kafka.topics
    outcome.dwh = [_value(r.value) for r in await read_to_end(stack.kafka, topics.dwh)]
    counts = await read_to_end(stack.kafka, topics.dwh_signal_counts)
    outcome.signal_counts = [_value(r.value) for r in counts if r.value is not None]
    return outcome


def _missing(outcome: Outcome) -> list[str]:
    missing = []
    for system, expected in EXPECTED_CALLS.items():
        if (got := len(outcome.received[system])) < expected:
            missing.append(f"{system}: {got} of {expected} calls")
    if (got := len(outcome.dwh)) < EXPECTED_DWH_RECORDS:
        missing.append(f"dwh: {got} of {EXPECTED_DWH_RECORDS} records")
    if (got := len(outcome.signal_counts)) < EXPECTED_SIGNAL_COUNTS:
        missing.append(f"dwh: {got} of {EXPECTED_SIGNAL_COUNTS} signal counts")
    if absent := EXPECTED_MAASDAL_ORDERS - set(outcome.maasdal_orders):
        missing.append(f"maasdal's API: no order {', '.join(sorted(absent))}")
    if absent := EXPECTED_HEUVELLAND_FILES - set(outcome.heuvelland_files):
        missing.append(f"heuvelland's outbox: no {', '.join(sorted(absent))}")
    return missing


async def _get_json(client: httpx.AsyncClient, url: str) -> Any:
    """GET and parse, with amounts as Decimal so they print as sent (0.00, not 0.0)."""
    response = await client.get(url)
    response.raise_for_status()
    return json.loads(response.content, parse_float=Decimal)


def _value(value: bytes | None) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(value or b"{}", parse_float=Decimal)
    return parsed
