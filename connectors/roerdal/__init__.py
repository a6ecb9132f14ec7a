"""Roerdal Schilders & Glas: ketenbus polls its mutaties API; no outbound (see docs/partners)."""

from __future__ import annotations

import asyncio
import logging

from connectors.channels.ingress_lease import ingress_lease
from connectors.channels.poller import Poller, PollerFenced, SourceRefused
from connectors.registry import PartnerPlugin
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
    lease = ingress_lease(kafka, PARTNER, f"{PARTNER} feed")

    async def session(ended: asyncio.Event) -> None:
        """One spell of holding the lease: a poller that reads the cursor back first
        (the last holder moved it on) and stops after its page once ``ended`` is set."""
        poller = Poller(
            RoerdalFeed(settings),
            kafka,
            poll_interval=settings.poll_interval_seconds,
            backoff=settings.backoff,
            holding=lease.confirm,
        )
        try:
            await poller.run(ended)
        except SourceRefused as exc:
            # Not a passing fault: no retry fixes it. Stop Roerdal only, loudly; the other
            # partners' channels in the same process go on. The lease stays here: a
            # standby with the same configuration would be refused the same way.
            log.critical("polling roerdal stopped: %s; fix it and restart", exc)
        except PollerFenced as exc:
            # The lease went to another process while this one was paused, and its
            # poller took the transactional id: this one has nothing left to write.
            log.warning("roerdal feed: %s; this process stands by", exc)

    await lease.run(stopping, session)


PLUGIN = PartnerPlugin(
    id=PARTNER, inbound=translate, settings_model=RoerdalSettings, ingress=run_poller
)

__all__ = ["PARTNER", "PLUGIN", "RoerdalFeed", "RoerdalSettings", "run_poller", "translate"]
