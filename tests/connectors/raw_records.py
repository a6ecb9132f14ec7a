"""A raw message as the translator's consumer hands it over, for tests without a broker."""

from __future__ import annotations

from aiokafka import ConsumerRecord

from contracts import RawMessage


def consumed(
    raw: RawMessage, topic: str, *, partition: int, offset: int
) -> ConsumerRecord[bytes, bytes]:
    record = raw.to_kafka()
    return ConsumerRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=record.key,
        value=record.value,
        checksum=None,
        serialized_key_size=0,
        serialized_value_size=len(record.value),
        headers=list(record.headers),
    )
