"""What the router's tests share: canonical facts, putting them on the real broker, and
running a destination's worker against the VERA reference back office."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts import CanonicalEvent, KafkaSettings, OrderFact, event_id
from kit.kafka.topics import ensure_topics
from router.plugin import BuildContext, Worker
from router.registry import DESTINATIONS

API_KEYS = {
    "onderhoud": "test-key-onderhoud",
    "financien": "test-key-financien",
    "relaties": "test-key-relaties",
}
PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdef"
FAST = {
    "retry": {"max_attempts": 4, "first_wait": 0.02, "max_wait": 0.05, "max_elapsed": 20},
    "breaker": {"failure_threshold": 3, "probe_interval_seconds": 0.1,
                "max_probe_interval_seconds": 0.2},
    "timeout_seconds": 2.0,
}  # fmt: skip
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """A partner time, ``minutes`` after 08:00 UTC on 26 November 2026."""
    return T0 + timedelta(minutes=minutes)


def wrap(fact: OrderFact, message_id: str, *, partner: str = "maasdal") -> CanonicalEvent:
    return CanonicalEvent.create(
        fact, partner=partner, channel="webhook", partner_message_id=message_id
    )


def ref(message_id: str, partner: str = "maasdal") -> str:
    """The Referentienummer of the (first) fact of a partner message."""
    return event_id(partner, message_id, 0)


async def publish(
    kafka: KafkaSettings,
    *events: CanonicalEvent,
    topic: str | None = None,
    partition: int | None = None,
    headers: Mapping[str, bytes] | None = None,
) -> None:
    """Put events on the topic the translator would (or ``topic``), in this order; all on
    one ``partition`` if given (to show what happens to two orders sharing one)."""
    topics = kafka.topics
    await ensure_topics(kafka, [topics.orders, topics.signals])
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for event in events:
            record = event.to_kafka()
            record_headers = dict(record.headers) | dict(headers or {})
            await producer.send_and_wait(
                topic or topics.for_fact(event.data.restricted),
                record.value,
                key=record.key,
                partition=partition,
                headers=list(record_headers.items()),
            )
    finally:
        await producer.stop()


async def publish_raw(kafka: KafkaSettings, topic: str, key: bytes, value: bytes,
                      headers: list[tuple[str, bytes]]) -> None:  # fmt: skip
    """Put a record on a topic as it is (e.g. one the contract would refuse)."""
    await ensure_topics(kafka, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def build(
    destination: str,
    kafka: KafkaSettings,
    backoffice: Any = None,
    **config: Any,
) -> Worker:
    """A destination's worker from configuration, as the router process builds it."""
    plugin = DESTINATIONS[destination]
    entry: dict[str, Any] = {}
    if destination == "dwh":
        entry["pseudonym_key"] = PSEUDONYM_KEY
    else:
        entry |= {"base_url": backoffice.url_for(destination), "api_key": API_KEYS[destination]}
        entry |= FAST
    entry |= config
    return plugin.build(plugin.settings(entry), BuildContext(kafka, "ketenbus-test"))


@contextlib.asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[asyncio.Task[None]]:
    """Run a worker in this loop until the block ends (as the router process would)."""
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping))
    try:
        yield task
    finally:
        stopping.set()
        with contextlib.suppress(Exception):
            await task
