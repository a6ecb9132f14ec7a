"""The three ketenbus processes, assembled from configuration.

Each runs until ``stopping`` is set (the CLI sets it on SIGINT/SIGTERM). Each first
waits for Kafka (``kit.kafka.outage``): started while Kafka is away, a process
logs that once and retries with back-off instead of exiting. In
production each runs as its own process and scales by running more of them in the
same consumer group; the demo and the tests start them the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from connectors.channels.errors import RawStoreError
from connectors.channels.http_guard import DescriptorLimitError, HttpLimits
from connectors.channels.raw_writer import RawWriter
from connectors.channels.webhook import WebhookLimits, WebhookServer, create_webhook_app
from connectors.registry import partners
from connectors.translator import Translator
from contracts.kafka import RAW_TOPIC_CONFIG
from ketenbus.config import KetenbusSettings
from kit.kafka.outage import wait_for_kafka, watch_kafka
from kit.kafka.topics import ensure_topics
from router.delivery import DestinationStopped, router_stopped
from router.plugin import BuildContext, Worker
from router.registry import DESTINATIONS

log = logging.getLogger(__name__)


async def run_webhook(settings: KetenbusSettings, stopping: asyncio.Event) -> None:
    """The webhook ingress for every configured partner that pushes."""
    webhook_partners = {
        partner_id: webhook
        for partner_id, config in settings.partners.items()
        if (build := partners()[partner_id].webhook) is not None
        and (webhook := build(config)) is not None
    }
    if not webhook_partners:
        raise SystemExit("no partner has webhook_secrets configured: nothing to serve")
    raw_topics = [settings.kafka.topics.raw(p) for p in webhook_partners]
    web = settings.webhook
    # The server answers at once, also while Kafka is away (503 + Retry-After, and a
    # 503 on /health): the writer refuses writes until it is started below.
    writer = RawWriter(settings.kafka, connect_on_write=False)
    app = create_webhook_app(
        webhook_partners,
        writer,
        limits=WebhookLimits(
            body_bytes_in_flight=web.body_bytes_in_flight,
            body_timeout_seconds=web.body_timeout_seconds,
        ),
    )
    server = WebhookServer(
        app,
        host=web.host,
        port=web.port,
        name="webhook",
        limits=HttpLimits(
            header_timeout_seconds=web.header_timeout_seconds,
            max_connections=web.max_connections,
            linger_seconds=web.linger_seconds,
        ),
    )
    try:
        await server.start()
    except DescriptorLimitError as exc:
        raise SystemExit(f"webhook: {exc}") from None
    try:
        log.info("webhook listening on %s for %s", server.base_url, sorted(webhook_partners))
        async with watch_kafka(settings.kafka):
            if not await wait_for_kafka(settings.kafka, stopping):
                return
            await ensure_topics(settings.kafka, raw_topics, RAW_TOPIC_CONFIG)
            with contextlib.suppress(RawStoreError):  # it connects again by itself
                await writer.start()
            log.info("webhook storing on Kafka at %s", settings.kafka.bootstrap_servers)
            await stopping.wait()
    finally:
        await server.stop()
        await writer.stop()


async def run_ingress(settings: KetenbusSettings, stopping: asyncio.Event) -> None:
    """The pull channels (file inboxes, pollers) of every configured partner that has one.

    Each runs as its own task with the partner's settings; each handles its own faults
    (a folder or API that is away, Kafka not answering) and runs until ``stopping``.
    Each holds a lease on Kafka while it works (``connectors/channels/ingress_lease.py``):
    in a second ``ketenbus ingress`` with the same configuration every channel stands
    by, and takes over when the first process dies or stops.
    """
    runners = {
        partner_id: ingress
        for partner_id in settings.partners
        if (ingress := partners()[partner_id].ingress) is not None
    }
    if not runners:
        raise SystemExit("no configured partner has a pull channel: nothing to run")
    async with watch_kafka(settings.kafka):
        if await wait_for_kafka(settings.kafka, stopping):
            log.info("ingress running for %s", sorted(runners))
            await _run_ingress(settings, runners, stopping)


async def _run_ingress(
    settings: KetenbusSettings, runners: dict[str, Any], stopping: asyncio.Event
) -> None:
    async with asyncio.TaskGroup() as group:
        for partner_id, ingress in runners.items():
            group.create_task(
                ingress(settings.partners[partner_id], settings.kafka, stopping),
                name=f"ingress-{partner_id}",
            )


def translator(settings: KetenbusSettings) -> Translator:
    """The translator over the raw topics of every configured partner."""
    adapters = {partner_id: partners()[partner_id].inbound for partner_id in settings.partners}
    return Translator(settings.kafka, adapters, remember_days=settings.translate.remember_days)


async def run_translator(settings: KetenbusSettings, stopping: asyncio.Event) -> None:
    async with watch_kafka(settings.kafka):
        if await wait_for_kafka(settings.kafka, stopping):
            log.info("translate running for %s", sorted(settings.partners))
            await translator(settings).run(stopping)


def delivery_workers(settings: KetenbusSettings) -> list[Worker]:
    """One delivery worker (and consumer group) per configured destination."""
    context = BuildContext(settings.kafka, settings.sender_organisation)
    return [
        DESTINATIONS[destination_id].build(config, context)
        for destination_id, config in settings.destinations.items()
    ]


async def run_router(settings: KetenbusSettings, stopping: asyncio.Event) -> None:
    workers = delivery_workers(settings)
    if not workers:
        raise SystemExit("no destination is configured: nothing to deliver to")
    stopped: list[DestinationStopped] = []
    async with watch_kafka(settings.kafka):
        if not await wait_for_kafka(settings.kafka, stopping):
            return
        log.info("route running for %s", sorted(settings.destinations))
        async with asyncio.TaskGroup() as group:
            for worker in workers:
                group.create_task(_deliver_until_stopped(worker, stopping, stopped))
    if stopped:
        # Work left undone is not a clean exit (R12): exit code 1, and one line saying why.
        raise SystemExit(router_stopped(stopped, every=not stopping.is_set()))


async def _deliver_until_stopped(
    worker: Worker, stopping: asyncio.Event, stopped: list[DestinationStopped]
) -> None:
    """One destination refusing our credentials stops that destination only."""
    try:
        await worker.run(stopping)
    except DestinationStopped as exc:
        stopped.append(exc)


async def run_outbound(settings: KetenbusSettings, stopping: asyncio.Event) -> None:
    """The outbound direction: the maintenance system's work orders become order.assigned
    facts, each handed to the partner named in it (connectors/outbound)."""
    from connectors.outbound.runtime import run_outbound as run

    async with watch_kafka(settings.kafka):
        if await wait_for_kafka(settings.kafka, stopping):
            await run(settings.kafka, settings.partners, stopping)
