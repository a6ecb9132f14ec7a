"""Polling a feed while this process holds its lease (what ``ketenbus ingress`` runs)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from connectors.channels.ingress_lease import ingress_lease
from connectors.channels.poller._poller import Backoff, Feed, Poller
from connectors.channels.poller.errors import PollerFenced, SourceRefused
from contracts import KafkaSettings

log = logging.getLogger(__name__)


async def poll_while_holding(
    partner_id: str,
    feed: Callable[[], Feed],
    kafka: KafkaSettings,
    stopping: asyncio.Event,
    *,
    poll_interval: float,
    backoff: Backoff,
) -> None:
    """Poll ``partner_id``'s feed until ``stopping`` is set, while this process holds
    the feed's lease; stand by while another process does.

    Each spell of holding it is a new :class:`Poller` with a new ``feed()``: it starts
    its producer (fencing the last holder's) only once the lease is confirmed, reads
    the cursor the last commit left, and stops after its page when the lease goes.
    """
    lease = ingress_lease(kafka, partner_id, f"{partner_id} feed")

    async def session(ended: asyncio.Event) -> None:
        poller = Poller(
            feed(), kafka, poll_interval=poll_interval, backoff=backoff, holding=lease.confirm
        )
        try:
            await poller.run(ended)
        except SourceRefused as exc:
            # Not a passing fault: no retry fixes it. Stop this feed only, loudly; the
            # other partners' channels in the same process go on. The lease stays here:
            # a standby with the same configuration would be refused the same way.
            log.critical("polling %s stopped: %s; fix it and restart", partner_id, exc)
        except PollerFenced as exc:
            # The lease went to another process while this one was paused, and its
            # poller took the transactional id: this one has nothing left to write.
            log.warning("%s feed: %s; this process stands by", partner_id, exc)

    await lease.run(stopping, session)
