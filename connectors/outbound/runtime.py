"""The outbound process: the assigner plus one worker per partner that takes orders.

``ketenbus outbound`` runs this. A partner's outbound stopping (it refused our
credentials) stops that partner only; the assigner and the other partners go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from connectors.outbound.assigner import Assigner
from connectors.outbound.worker import OutboundStopped, OutboundWorker
from connectors.registry import partners
from contracts import KafkaSettings

log = logging.getLogger(__name__)


def outbound_workers(
    kafka: KafkaSettings, partner_settings: Mapping[str, Any]
) -> list[OutboundWorker]:
    """A worker for every configured partner whose plugin builds an outbound channel."""
    workers = []
    for partner_id, config in partner_settings.items():
        build = partners()[partner_id].outbound
        channel = build(config) if build is not None else None
        if channel is not None:
            workers.append(OutboundWorker(kafka, channel))
    return workers


async def run_outbound(
    kafka: KafkaSettings, partner_settings: Mapping[str, Any], stopping: asyncio.Event
) -> None:
    """Assign work orders and hand them over until ``stopping`` is set."""
    # Any registered partner may be named in a work order: one without an outbound
    # channel (Roerdal: the corporation's portal) gets its orders elsewhere, and its
    # order.assigned facts still reach the data warehouse.
    assigner = Assigner(kafka, partners())
    workers = outbound_workers(kafka, partner_settings)
    log.info("outbound running for %s", sorted(w.partner for w in workers) or "no partner")
    async with asyncio.TaskGroup() as group:
        group.create_task(assigner.run(stopping), name="assigner")
        for worker in workers:
            group.create_task(_until_stopped(worker, stopping), name=f"outbound-{worker.partner}")


async def _until_stopped(worker: OutboundWorker, stopping: asyncio.Event) -> None:
    # The engine said why in one line; the other partners go on.
    with contextlib.suppress(OutboundStopped):
        await worker.run(stopping)
