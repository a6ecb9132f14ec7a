"""What a destination is: a tiny interface, wrapped from the outside.

A destination maps and delivers one canonical event, once. Routing and entitlement
are the delivery worker's (``router.delivery``); retries, the circuit breaker,
per-order ordering, dead letters and offset commits are the delivery engine's
(``kit.engine.lanes``), the same for every destination and every partner's outbound,
the way an engine wraps a plugin. A destination only ever sees the entitled *view*
of a fact (``router.entitlement``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from contracts import FACT_TYPES, CanonicalEvent, Topics
from kit.engine.outcomes import DeadLettered, Delivered, Outcome, Skipped, Withheld

__all__ = [
    "DeadLettered",
    "Delivered",
    "Destination",
    "KeepsNoState",
    "Outcome",
    "Skipped",
    "Withheld",
    "source_topics",
]


class Destination(Protocol):
    id: str
    """The destination's id: its consumer group and dead-letter topic are named after it."""

    async def start(self) -> None:
        """Open what it needs (state it keeps) before the first delivery."""
        ...

    async def on_assigned(self) -> None:
        """Partitions were (re)assigned: reload any state kept outside this process."""
        ...

    async def deliver(self, event: CanonicalEvent) -> Outcome:
        """Deliver one event once; raise a ``kit.delivery.errors.DeliveryError`` on failure."""
        ...

    async def before_commit(self) -> None:
        """Make durable the state that the finished deliveries changed: the worker
        commits their offsets only after this returns (and not at all if it raises)."""
        ...

    async def aclose(self) -> None: ...


class KeepsNoState:
    """The life-cycle hooks of a destination that keeps no state of its own: nothing to
    open at start, to reload after a rebalance or to make durable before a commit."""

    async def start(self) -> None:
        pass

    async def on_assigned(self) -> None:
        pass

    async def before_commit(self) -> None:
        pass


def source_topics(topics: Topics, routes: Iterable[str]) -> list[str]:
    """The canonical topics that the routed fact types live on (a worker's sources)."""
    return sorted({topics.for_fact(FACT_TYPES[route].restricted) for route in routes})
