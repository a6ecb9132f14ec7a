"""What a partner's outbound channel is: deliver one ``order.assigned`` fact, once.

The same tiny interface as a router destination, and the same error tree
(``kit.delivery.errors``): a passing fault is retried by the channel's ``retry`` policy
(``kit.delivery.retry``, the one retry rule of ketenbus), a permanent one parks the fact as
a dead letter with the partner's answer, a credential fault stops that partner's
outbound loudly. The worker around it (``worker.py``) does Kafka, ordering, retries,
dead letters and commits, the same for every partner.
"""

from __future__ import annotations

from typing import Protocol

from contracts import CanonicalEvent
from kit.delivery.errors import PermanentFault
from kit.delivery.retry import RetryPolicy


class PartnerOutbound(Protocol):
    partner_id: str
    retry: RetryPolicy

    async def deliver(self, event: CanonicalEvent) -> str:
        """Hand the order to the partner; returns what happened (``created``, ``already
        there``); raises a ``kit.delivery.errors.DeliveryError`` when it could not."""
        ...

    async def aclose(self) -> None: ...


class Unencodable(PermanentFault):
    """The fact cannot be written in the partner's format (no call or file was made)."""
