"""The delivery worker: one per VERA destination, the same machinery for every destination.

* Its own consumer group (``ketenbus-router-<destination>``), so an outage of one
  system stalls only that system.
* Per record: read it, route it (fact types of the configuration), check entitlement
  (``router.entitlement``: withheld, or a view without the fields it may not see),
  and deliver the view. Ordering per order, retries behind the circuit breaker, dead
  letters, flow control and commits are the delivery engine's
  (``kit.engine.lanes``), shared with the partners' outbound workers.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import ConsumerRecord

from contracts import CanonicalEvent, Classification, ContractError, KafkaSettings, Purpose
from kit.delivery.breaker import BreakerSettings, CircuitBreaker
from kit.delivery.retry import RetryPolicy
from kit.engine.lanes import DeliveryStopped, LaneEngine
from kit.engine.stage import StageStats
from kit.kafka.topics import ensure_topics
from router.destination import Destination, Outcome, Skipped, Withheld, source_topics
from router.entitlement import Entitlement, view

log = logging.getLogger(__name__)

DestinationStopped = DeliveryStopped
"""A destination refused ketenbus's credentials (or the worker failed); it stopped."""


def router_stopped(stopped: list[DeliveryStopped], *, every: bool) -> str:
    """The router process's last line when destinations stopped: ``every`` when none
    is left delivering, else it was asked to stop with these already stopped."""
    which = ", ".join(
        f"{exc.target} ({exc.reason})" for exc in sorted(stopped, key=lambda exc: exc.target)
    )
    if every:
        return f"ketenbus route stopped: every destination has stopped: {which}"
    return f"ketenbus route stopped; destinations that had stopped before: {which}"


class DeliveryWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        destination: Destination,
        *,
        routes: frozenset[str],
        entitlement: Entitlement,
        policy: RetryPolicy,
        breaker: BreakerSettings | None = None,
        concurrency: int = 8,
        max_pending: int = 1000,
        poll_ms: int = 100,
    ) -> None:
        self._kafka = kafka
        self.destination = destination
        self.routes = routes
        self.entitlement = entitlement
        self.group_id = f"{kafka.topic_prefix}ketenbus-router-{destination.id}"
        self.engine = LaneEngine(
            kafka,
            stage=self.group_id,
            target=destination.id,
            group_id=self.group_id,
            inputs=[*self.sources, self.replay_topic],
            deadletter_topic=self.deadletter_topic,
            parks_as=destination.id,
            handle=self._handle,
            policy=policy,
            breaker=breaker,
            on_assigned=destination.on_assigned,
            before_commit=destination.before_commit,
            concurrency=concurrency,
            max_pending=max_pending,
            poll_ms=poll_ms,
        )

    @property
    def stats(self) -> StageStats:
        return self.engine.stats

    @property
    def breaker(self) -> CircuitBreaker:
        return self.engine.breaker

    @property
    def sources(self) -> list[str]:
        """The canonical topics its routes live on."""
        return source_topics(self._kafka.topics, self.routes)

    @property
    def deadletter_topic(self) -> str:
        return self._kafka.topics.deadletter(self.destination.id)

    @property
    def replay_topic(self) -> str:
        """Dead letters ops send back to this destination only (read next to the sources)."""
        return self._kafka.topics.replay(self.destination.id)

    async def start(self) -> None:
        self.engine.inputs = [*self.sources, self.replay_topic]  # the routes as they are now
        await ensure_topics(self._kafka, [*self.sources, self.replay_topic, self.deadletter_topic])
        await self.destination.start()
        await self.engine.start()

    async def stop(self) -> None:
        """Stop delivering: unfinished facts stay uncommitted and come again after restart."""
        try:
            await self.engine.stop()
        finally:
            await self.destination.aclose()

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set, or until the destination refuses our credentials."""
        try:
            await self.start()
            while not stopping.is_set():
                await self.engine.step()
        finally:
            await self.stop()

    async def step(self) -> int:
        return await self.engine.step()

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> Outcome:
        try:
            event = CanonicalEvent.from_kafka(record.value, tuple(record.headers))
        except ContractError as exc:
            if record.topic == self._kafka.topics.signals and not self._may_read_restricted:
                return self._withhold(record, None, "unreadable record on the restricted topic")
            return await self.engine.park(record, exc, keep=None, attempts=0)
        if event.fact_type not in self.routes:
            return Skipped(f"{event.fact_type} is not routed to {self.destination.id}")
        seen = view(event, self.entitlement)
        if isinstance(seen, Withheld):
            return self._withhold(record, event, seen.reason)
        fact: CanonicalEvent = seen
        return await self.engine.deliver(record, lambda: self.destination.deliver(fact), keep=fact)

    @property
    def _may_read_restricted(self) -> bool:
        return (
            Purpose.SOCIAL_CARE in self.entitlement.purposes
            and self.entitlement.classification is Classification.SPECIAL_CATEGORY
        )

    def _withhold(
        self, record: ConsumerRecord[bytes, bytes], event: CanonicalEvent | None, reason: str
    ) -> Withheld:
        log.warning(
            "withheld from %s: %s offset %d/%d event %s (%s): %s",
            self.destination.id,
            record.topic,
            record.partition,
            record.offset,
            event.id if event else "?",
            event.fact_type if event else "?",
            reason,
        )
        return Withheld(reason)
