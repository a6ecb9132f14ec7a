"""A whole ketenbus on the real broker: webhook, translator and router in this event
loop, the VERA reference back office on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from connectors.channels.raw_writer import RawWriter
from connectors.channels.webhook import WebhookServer, create_webhook_app, sign
from connectors.maasdal import SIGNATURE_HEADER
from connectors.registry import partners
from connectors.translator import DEADLETTER_TOPIC_CONFIG, Translator
from contracts import KafkaSettings
from contracts.kafka import RAW_TOPIC_CONFIG
from devkit.reference_backoffice import BackOfficeServer
from ketenbus import services
from ketenbus.config import KetenbusSettings
from kit.delivery.retry import RetryPolicy
from kit.kafka.topics import ensure_topics
from router.delivery import DeliveryWorker
from tests.router.kit import API_KEYS

SECRET = "test-secret-maasdal"
API_KEY = "test-key-onderhoud"
FAST_RETRIES = RetryPolicy(max_attempts=4, first_wait=0.05, max_wait=0.2, max_elapsed=20)


@dataclass
class Pipeline:
    settings: KetenbusSettings
    webhook_url: str
    client: httpx.AsyncClient
    translator: Translator
    worker: DeliveryWorker

    async def send(self, body: bytes, *, secret: str = SECRET) -> httpx.Response:
        signature = sign(body, secret, int(time.time()))
        return await self.client.post(
            f"{self.webhook_url}/partners/maasdal/messages",
            content=body,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
        )


@pytest.fixture
async def backoffice(vera_specs) -> AsyncIterator[BackOfficeServer]:
    """The corporation's three VERA systems, each with its own key (the router's tests
    use financien and relaties too)."""
    async with BackOfficeServer(vera_specs, {**API_KEYS, "onderhoud": API_KEY}) as server:
        yield server


@pytest.fixture
async def pipeline(kafka: KafkaSettings, backoffice: BackOfficeServer) -> AsyncIterator[Pipeline]:
    settings = KetenbusSettings(
        kafka=kafka,
        partners={"maasdal": {"webhook_secrets": [SECRET]}},
        destinations={
            "onderhoud": {
                "base_url": backoffice.url_for("onderhoud"),
                "api_key": API_KEY,
                "timeout_seconds": 2.0,
                "retry": FAST_RETRIES,
            }
        },
    )
    # Created here, before any test reader can make the broker auto-create one of them
    # with its default (1 MiB) record limit.
    await ensure_topics(kafka, [kafka.topics.raw("maasdal")], RAW_TOPIC_CONFIG)
    await ensure_topics(kafka, [kafka.topics.deadletter("translate")], DEADLETTER_TOPIC_CONFIG)
    translator = services.translator(settings)
    (worker,) = services.delivery_workers(settings)
    stopping = asyncio.Event()
    tasks = [
        asyncio.create_task(translator.run(stopping)),
        asyncio.create_task(worker.run(stopping)),
    ]
    maasdal = partners()["maasdal"]
    assert maasdal.webhook is not None
    webhook = maasdal.webhook(settings.partners["maasdal"])
    assert webhook is not None
    async with (
        RawWriter(kafka) as writer,
        WebhookServer(create_webhook_app({"maasdal": webhook}, writer)) as web,
        httpx.AsyncClient(timeout=10) as client,
    ):
        yield Pipeline(settings, web.base_url, client, translator, worker)
    stopping.set()
    await asyncio.gather(*tasks)
