"""The raw writer while Kafka is away: it refuses at once and says why, then heals.

The broker restart itself, with a real webhook process: tests/processes/.
"""

from __future__ import annotations

import time

import pytest

from connectors.channels import RawStoreError, RawWriter
from contracts.kafka import KafkaSettings
from contracts.raw import RawMessage
from tests.connectors.channels.conftest import closed_port
from tests.samples import raw


def message() -> RawMessage:
    return raw("maasdal", b'{"opdrachtnummer": "WO-1"}')


async def test_a_writer_not_started_refuses_at_once_and_says_so() -> None:
    writer = RawWriter(KafkaSettings(bootstrap_servers="127.0.0.1:9"), connect_on_write=False)
    assert writer.problem == "not connected to Kafka yet"
    started = time.monotonic()
    with pytest.raises(RawStoreError, match="not connected to Kafka yet"):
        await writer.write(message())
    assert time.monotonic() - started < 0.1
    await writer.stop()
    assert writer.problem == "the raw writer is stopped"


async def test_a_failed_start_reconnects_in_the_background_and_refuses_meanwhile() -> None:
    unreachable = KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}")
    writer = RawWriter(unreachable, write_timeout=1.0, connect_on_write=False)
    with pytest.raises(RawStoreError):
        await writer.start()
    try:
        assert writer.problem is not None
        assert writer.problem.startswith("Kafka unreachable since ")
        started = time.monotonic()
        with pytest.raises(RawStoreError, match="Kafka is unreachable"):
            await writer.write(message())
        assert time.monotonic() - started < 0.1  # no 1 s write time-out: known to fail
    finally:
        await writer.stop()


@pytest.mark.kafka
async def test_a_started_writer_has_no_problem(kafka: KafkaSettings) -> None:
    async with RawWriter(kafka, connect_on_write=False) as writer:
        assert writer.problem is None
        location = await writer.write(message())
        assert location.topic == kafka.topics.raw("maasdal")
