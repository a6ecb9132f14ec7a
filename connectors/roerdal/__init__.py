"""Roerdal Schilders & Glas: ketenbus polls its mutaties API; no outbound (see docs/partners)."""

from __future__ import annotations

import asyncio
import logging

from connectors.channels.poller import poll_while_holding
from connectors.plugin import PartnerPlugin
from connectors.roerdal.feed import RoerdalFeed
from connectors.roerdal.inbound import PARTNER, translate
from connectors.roerdal.settings import RoerdalSettings
from contracts import KafkaSettings

log = logging.getLogger(__name__)


async def run_poller(
    settings: RoerdalSettings, kafka: KafkaSettings, stopping: asyncio.Event
) -> None:
    """Poll Roerdal until ``stopping`` is set (the plugin's ingress runner), while this
    process holds the feed's lease; stand by while another process does."""
    if settings.api_base_url is None:
        log.info("roerdal: no api_base_url configured: not polling")
        return
    await poll_while_holding(
        PARTNER,
        lambda: RoerdalFeed(settings),
        kafka,
        stopping,
        poll_interval=settings.poll_interval_seconds,
        backoff=settings.backoff,
    )


PLUGIN = PartnerPlugin(
    id=PARTNER, inbound=translate, settings_model=RoerdalSettings, ingress=run_poller
)

__all__ = ["PARTNER", "PLUGIN", "RoerdalFeed", "RoerdalSettings", "run_poller", "translate"]
