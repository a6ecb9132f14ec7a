"""Fixtures for the ingress channels: a started RawWriter, a served webhook, topic reads.

Everything is real: the local Kafka broker, uvicorn on loopback, httpx as the partner.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from connectors.channels import RawWriter
from connectors.channels.http_guard import HttpLimits
from connectors.channels.webhook import (
    WebhookLimits,
    WebhookPartner,
    WebhookServer,
    create_webhook_app,
    json_key,
)
from contracts.kafka import KafkaSettings

#: The webhook's clock in these tests (2026-09-21T20:26:40Z): signatures are made
#: against it, so the replay window is exact and ``kb_received_at`` is predictable.
NOW = 1_790_022_400
SECRET = "maasdal-secret-2026"
OLD_SECRET = "maasdal-secret-2025"
SIGNATURE_HEADER = "X-Maasdal-Signature"
READ_TIMEOUT_SECONDS = 15.0

MAASDAL = WebhookPartner(
    partner_id="maasdal",
    signature_header=SIGNATURE_HEADER,
    secrets=(SECRET,),
    message_key=json_key("opdrachtnummer"),
)


async def read_all(kafka: KafkaSettings, topic: str) -> list[ConsumerRecord]:
    """Every record on ``topic`` up to its end offsets now (empty if it does not exist).

    Reading to the end offsets proves both "exactly these" and "nothing": once the
    webhook has answered, anything it wrote is below the end offset already.
    """
    partitions = await _partitions(kafka, topic)
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        async with asyncio.timeout(READ_TIMEOUT_SECONDS):
            for tp in partitions:
                while await consumer.position(tp) < end[tp]:
                    batch = await consumer.getmany(tp, timeout_ms=500)
                    records.extend(batch.get(tp, []))
        return records
    finally:
        await consumer.stop()


async def _partitions(kafka: KafkaSettings, topic: str) -> list[TopicPartition]:
    """The topic's partitions, asking for all topics so that asking creates none."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(None)
    finally:
        await admin.close()
    return [
        TopicPartition(topic, p["partition"])
        for t in described
        if t["topic"] == topic
        for p in t["partitions"]
    ]


def closed_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def writer(kafka: KafkaSettings) -> AsyncIterator[RawWriter]:
    async with RawWriter(kafka) as started:
        yield started


Serve = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """``client = await serve(writer, partners=...)``: the webhook on loopback, a client at it."""
    servers: list[WebhookServer] = []
    clients: list[httpx.AsyncClient] = []

    async def start(
        writer: RawWriter,
        partners: dict[str, WebhookPartner] | None = None,
        clock: Callable[[], float] = lambda: NOW,
        limits: WebhookLimits | None = None,
        http_limits: HttpLimits | None = None,
    ) -> httpx.AsyncClient:
        app = create_webhook_app(
            partners or {"maasdal": MAASDAL}, writer, clock=clock, limits=limits
        )
        server = WebhookServer(app, limits=http_limits)
        await server.start()
        servers.append(server)
        client = httpx.AsyncClient(base_url=server.base_url, timeout=20.0)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.stop()


@pytest.fixture
async def client(writer: RawWriter, serve: Serve) -> httpx.AsyncClient:
    """A client of the webhook serving Maasdal, writing to this test's raw topic."""
    return await serve(writer)
