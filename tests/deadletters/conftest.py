"""Driving ``ketenbus deadletters`` as ops do: the typer app, against the real broker.

The command runs its own event loop (``asyncio.run``), so it runs in a thread here,
next to the workers that run in the test's loop; its Kafka settings come from the
environment, as in production (``KETENBUS_KAFKA__...``), with the test's topic prefix.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from contracts import KafkaSettings
from devkit.reference_backoffice import BackOfficeServer
from ketenbus.cli import app
from tests.router.kit import API_KEYS


async def cli(kafka: KafkaSettings, *args: str, answer: str | None = None) -> Result:
    env = {
        "KETENBUS_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "KETENBUS_KAFKA__TOPIC_PREFIX": kafka.topic_prefix,
        "USER": "ops-tester",
    }
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, app, ["deadletters", *args], input=answer, env=env
    )


async def rows(kafka: KafkaSettings, *args: str) -> list[dict[str, Any]]:
    """``deadletters list --json``, parsed."""
    result = await cli(kafka, "list", "--json", *args)
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


@pytest.fixture
async def backoffice(vera_specs: Path) -> AsyncIterator[BackOfficeServer]:
    """The corporation's VERA systems (the reference back office), on loopback."""
    async with BackOfficeServer(vera_specs, API_KEYS) as server:
        yield server
