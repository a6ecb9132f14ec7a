"""Unique Maasdal status messages, numbered: a stream whose every fact is known."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from contracts import KafkaSettings, RawMessage, event_id
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka.topics import ensure_topics
from tests.samples import partner_sample

TEMPLATE = json.loads(partner_sample("maasdal", "01-status-acc.json"))
RECEIVED_AT = datetime.now(UTC)
"""Received now: within the translator's memory, as a live partner's messages are."""


def message(index: int) -> RawMessage:
    body = {**TEMPLATE, "berichtId": f"TX-{index:04d}", "opdrachtnummer": f"WL-2026-{index:06d}"}
    return RawMessage(
        partner="maasdal",
        channel="webhook",
        body=json.dumps(body).encode(),
        received_at=RECEIVED_AT,
        content_type="application/json",
        key=body["opdrachtnummer"].encode(),
    )


def expected_ids(indexes: range) -> list[str]:
    """The event ids the translator writes for these messages, sorted."""
    return sorted(event_id("maasdal", f"TX-{index:04d}", 0) for index in indexes)


async def send_raw(kafka: KafkaSettings, indexes: range) -> None:
    """Store these messages on Maasdal's raw topic, as the webhook does."""
    await ensure_topics(kafka, [kafka.topics.raw("maasdal")], RAW_TOPIC_CONFIG)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for index in indexes:
            record = message(index).to_kafka()
            await producer.send(
                kafka.topics.raw("maasdal"),
                value=record.value,
                key=record.key,
                headers=list(record.headers),
            )
        await producer.flush()
    finally:
        await producer.stop()
