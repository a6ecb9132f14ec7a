"""What a destination is: a tiny interface, wrapped from the outside.

A destination maps and delivers one canonical event, once. Retries, per-order
ordering, entitlement, dead letters and offset commits are the delivery worker's
(``router.delivery``), the same for every destination, the way an engine wraps a
plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from contracts import CanonicalEvent, Classification, Topics


@dataclass(frozen=True)
class Delivered:
    detail: str = ""


@dataclass(frozen=True)
class Skipped:
    """Deliberately not delivered (not routed, not entitled, nothing to say)."""

    reason: str


@dataclass(frozen=True)
class DeadLettered:
    reason: str


Outcome = Delivered | Skipped | DeadLettered


class Destination(Protocol):
    id: str
    """The destination's id: its consumer group and dead-letter topic are named after it."""

    max_classification: Classification
    """The most sensitive events it may receive; anything above is never sent."""

    def topics(self, topics: Topics) -> list[str]:
        """The canonical topics it reads."""
        ...

    async def deliver(self, event: CanonicalEvent) -> Outcome:
        """Deliver one event once; raise a ``router.errors.DeliveryError`` on failure."""
        ...

    async def aclose(self) -> None: ...
