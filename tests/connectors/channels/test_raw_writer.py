"""RawWriter against the real broker: what it acknowledges is on the topic, failures are typed."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from aiokafka.errors import KafkaError

from connectors.channels import (
    BodyTooLarge,
    ChannelError,
    MalformedSignature,
    MissingSignature,
    RawStoreError,
    RawWriter,
    RecordLocation,
    SignatureError,
    SignatureExpired,
    SignatureMismatch,
)
from contracts.kafka import KafkaSettings
from contracts.raw import RawMessage
from tests.connectors.channels.conftest import closed_port, read_all


def message(body: bytes, key: bytes | None = b"WO-1", partner: str = "maasdal") -> RawMessage:
    return RawMessage(
        partner=partner,
        channel="test",
        body=body,
        received_at=datetime(2026, 11, 26, 8, 15, tzinfo=UTC),
        content_type="application/json",
        origin="req-1",
        key=key,
    )


@pytest.mark.kafka
async def test_write_returns_where_the_acknowledged_record_is(
    writer: RawWriter, kafka: KafkaSettings
) -> None:
    location = await writer.write(message(b'{"a": 1}'))

    assert location == RecordLocation(
        topic=kafka.topics.raw("maasdal"), partition=location.partition, offset=0
    )
    [record] = await read_all(kafka, location.topic)
    assert (record.partition, record.offset) == (location.partition, location.offset)
    assert RawMessage.from_kafka(record.key, record.value, tuple(record.headers)) == message(
        b'{"a": 1}'
    )


@pytest.mark.kafka
async def test_each_partner_has_its_own_raw_topic(writer: RawWriter, kafka: KafkaSettings) -> None:
    first = await writer.write(message(b"1", partner="maasdal"))
    second = await writer.write(message(b"2", partner="other"))
    assert (first.topic, second.topic) == (kafka.topics.raw("maasdal"), kafka.topics.raw("other"))


@pytest.mark.kafka
async def test_concurrent_writes_are_all_acknowledged(
    writer: RawWriter, kafka: KafkaSettings
) -> None:
    bodies = [f'{{"n": {i}}}'.encode() for i in range(200)]
    locations = await asyncio.gather(*(writer.write(message(b, key=None)) for b in bodies))

    assert len({(loc.partition, loc.offset) for loc in locations}) == len(bodies)
    records = await read_all(kafka, kafka.topics.raw("maasdal"))
    assert sorted(r.value for r in records) == sorted(bodies)


async def test_unreachable_kafka_is_a_raw_store_error_quickly() -> None:
    writer = RawWriter(
        KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}"), write_timeout=2.0
    )
    started = time.monotonic()
    with pytest.raises(RawStoreError) as at_start:
        await writer.start()
    assert isinstance(at_start.value.__cause__, KafkaError)
    # A writer whose start failed tries again on write, and fails the same typed way.
    with pytest.raises(RawStoreError):
        await writer.write(message(b"{}"))
    assert time.monotonic() - started < 5
    await writer.stop()


@pytest.mark.kafka
async def test_write_after_stop_is_refused(kafka: KafkaSettings) -> None:
    writer = RawWriter(kafka)
    await writer.start()
    await writer.stop()
    await writer.stop()  # idempotent
    with pytest.raises(RawStoreError, match="stopped"):
        await writer.write(message(b"{}"))


def test_the_error_tree() -> None:
    assert issubclass(RawStoreError, ChannelError)
    assert issubclass(BodyTooLarge, ChannelError)
    for signature_error in (MissingSignature, MalformedSignature, SignatureExpired):
        assert issubclass(signature_error, SignatureError)
    assert issubclass(SignatureMismatch, SignatureError)
    assert issubclass(SignatureError, ChannelError)
    assert BodyTooLarge(10).limit == 10
