"""Roerdal's simulated API on loopback and a poller of it, on the real broker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from connectors.channels.poller import Backoff, CursorStore, Poller, RateLimiter
from connectors.roerdal import RoerdalFeed, RoerdalSettings
from contracts import KafkaSettings
from devkit.partner_simulators import PartnerSimulators
from tests.samples import partner_sample

FAST = Backoff(first_wait=0.05, max_wait=0.2, max_retry_after=5)


@pytest.fixture
async def sims() -> AsyncIterator[PartnerSimulators]:
    async with PartnerSimulators() as started:
        yield started


def serve_shared_pages(sims: PartnerSimulators) -> tuple[str, str]:
    """Both shared pages, byte for byte; returns their cursors."""
    return (
        sims.roerdal.add_page(partner_sample("roerdal", "page-1.json")),
        sims.roerdal.add_page(partner_sample("roerdal", "page-2.json")),
    )


def settings_for(sims: PartnerSimulators, **overrides) -> RoerdalSettings:
    values = {
        "api_base_url": sims.roerdal_url,
        "client_id": sims.roerdal.client_id,
        "client_secret": sims.roerdal.client_secret,
        "page_size": 2,
        "poll_interval_seconds": 30.0,
        "timeout_seconds": 2.0,
        "backoff": FAST,
        **overrides,
    }
    return RoerdalSettings(**values)


@dataclass
class Running:
    poller: Poller
    task: asyncio.Task[None]
    stopping: asyncio.Event

    async def stop(self) -> None:
        self.stopping.set()
        await self.task


StartPoller = Callable[..., Awaitable[Running]]


@pytest.fixture
async def start_poller(kafka: KafkaSettings, sims: PartnerSimulators) -> AsyncIterator[StartPoller]:
    """``running = await start_poller(**settings)``: a poller of the simulator, as a task."""
    started: list[Running] = []

    async def start(
        *, store: CursorStore | None = None, limiter: RateLimiter | None = None, **overrides
    ) -> Running:
        settings = settings_for(sims, **overrides)
        poller = Poller(
            RoerdalFeed(settings, limiter=limiter),
            kafka,
            poll_interval=settings.poll_interval_seconds,
            backoff=settings.backoff,
            store=store,
        )
        stopping = asyncio.Event()
        running = Running(poller, asyncio.create_task(poller.run(stopping)), stopping)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stopping.set()
        with contextlib.suppress(BaseException):
            await running.task


async def read_topic(
    kafka: KafkaSettings, topic: str, *, isolation: str = "read_committed"
) -> list[ConsumerRecord]:
    """Every record on ``topic`` up to its end (the last stable offset for read_committed)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        isolation_level=isolation,
        enable_auto_commit=False,
    )
    partitions = await _partitions(kafka, topic)
    if not partitions:
        return []
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        async with asyncio.timeout(15):
            for tp in partitions:
                while await consumer.position(tp) < end[tp]:
                    batch = await consumer.getmany(tp, timeout_ms=300)
                    records.extend(batch.get(tp, []))
        return records
    finally:
        await consumer.stop()


async def _partitions(kafka: KafkaSettings, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
