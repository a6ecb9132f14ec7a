"""The delivery worker for destinations that are Kafka topics (the data warehouse).

Consume-transform-produce in Kafka transactions, like the translator: a batch of
canonical records is read (``read_committed``), each goes through routing and
entitlement (``router.entitlement.decide``: withheld, redacted, or only counted)
and the destination's mapping, and its output records and the consumer offsets are
committed in one transaction. A crash at any point leaves the whole batch or none of
it visible to ``read_committed`` readers, so the warehouse gets every fact exactly
once, and a running count is never counted twice nor missed. A destination's own
state (the counts, the ids written) is read back from its compacted topics at start,
after every rebalance, after an aborted transaction and before a batch holding a
replayed record, so it always matches what committed.

No HTTP, so no retries or breaker: a Kafka error aborts the batch, which is read
again after a back-off. One consumer group per destination, as for the VERA systems;
the loop is the transactional stage engine (``kit.engine.transactional``), so any
number of ``ketenbus route`` instances share the work and a zombie is fenced.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiokafka import ConsumerRecord, TopicPartition

from contracts import CanonicalEvent, ContractError, KafkaSettings
from kit.engine.dead_letters import dead_letter
from kit.engine.stage import StageStats
from kit.engine.transactional import Output, StageState, TransactionalEngine, Transformed
from kit.kafka.topics import ensure_topics
from router.destination import Withheld, source_topics
from router.entitlement import Counted, Entitlement, Redacted, decide

log = logging.getLogger(__name__)

REPLAY_PARTITION_BASE = 1000
"""A replayed record is counted as if from partition ``1000 + <its replay partition>``:
a running count's key holds its source partition so that two instances never write
the same count, and a replay partition is not the signals partition of the same number."""


class TopicDestination(Protocol):
    id: str

    def output_topics(self) -> dict[str, dict[str, str] | None]:
        """The topics it writes, with their topic configuration (or None)."""
        ...

    async def load(self) -> None:
        """Read its state back from Kafka (start, rebalance, aborted transaction)."""
        ...

    def outputs(self, fact: Redacted | Counted, source: TopicPartition) -> list[Output]:
        """The records for one fact; may update its state (committed with the batch)."""
        ...


class TopicDeliveryWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        destination: TopicDestination,
        *,
        routes: frozenset[str],
        entitlement: Entitlement,
        max_batch: int = 500,
    ) -> None:
        self._kafka = kafka
        self.destination = destination
        self.routes = routes
        self.entitlement = entitlement
        self.group_id = f"{kafka.topic_prefix}ketenbus-router-{destination.id}"
        self.engine = TransactionalEngine(
            kafka,
            stage=self.group_id,
            group_id=self.group_id,
            inputs=[*self.sources, self.replay_topic],
            outputs=[self.deadletter_topic, *destination.output_topics()],
            transform=self._handle,
            state=_State(destination, self.replay_topic),
            max_batch=max_batch,
        )

    @property
    def stats(self) -> StageStats:
        return self.engine.stats

    @property
    def sources(self) -> list[str]:
        return source_topics(self._kafka.topics, self.routes)

    @property
    def deadletter_topic(self) -> str:
        return self._kafka.topics.deadletter(self.destination.id)

    @property
    def replay_topic(self) -> str:
        """Dead letters ops send back to this destination only (read next to the sources)."""
        return self._kafka.topics.replay(self.destination.id)

    async def start(self) -> None:
        await self._ensure_topics()
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set; a failed batch is aborted and read again."""
        await self._ensure_topics()
        await self.engine.run(stopping)

    async def step(self, timeout_ms: int = 200) -> int:
        """Deliver one batch (a transaction per source partition); returns its records."""
        return await self.engine.step(timeout_ms)

    async def _ensure_topics(self) -> None:
        await ensure_topics(self._kafka, [*self.sources, self.replay_topic, self.deadletter_topic])
        for topic, config in self.destination.output_topics().items():
            await ensure_topics(self._kafka, [topic], config)

    def _handle(self, record: ConsumerRecord[bytes, bytes]) -> Transformed:
        try:
            event = CanonicalEvent.from_kafka(record.value, tuple(record.headers))
        except ContractError as exc:
            if record.topic == self._kafka.topics.signals:
                # Its bytes and headers may say "this order has a social signal".
                self._report(record, "?", "unreadable record on the restricted topic")
                return Transformed("withheld")
            return Transformed("dead_lettered", [self._park(record, exc)])
        if event.fact_type not in self.routes:
            return Transformed("skipped")
        decided = decide(event, self.entitlement)
        if isinstance(decided, Withheld):
            self._report(record, event.id, decided.reason)
            return Transformed("withheld")
        tp = TopicPartition(record.topic, record.partition)
        if record.topic == self.replay_topic:
            tp = TopicPartition(tp.topic, REPLAY_PARTITION_BASE + tp.partition)
        try:
            return Transformed("delivered", self.destination.outputs(decided, tp))
        except (KeyError, ValueError, TypeError) as exc:  # a mapping bug or unexpected data
            return Transformed("dead_lettered", [self._park(record, exc)])

    def _park(self, record: ConsumerRecord[bytes, bytes], exc: Exception) -> Output:
        # Without its bytes: the warehouse's people may not see what the fact holds.
        parked = dead_letter(
            record, exc, stage=self.destination.id, keep=None, destination=self.destination.id
        )
        log.warning(
            "dead letter for %s: %s %d/%d: %s",
            self.destination.id,
            record.topic,
            record.partition,
            record.offset,
            type(exc).__name__,
        )
        return Output(self.deadletter_topic, parked, "dead_letter")

    def _report(self, record: ConsumerRecord[bytes, bytes], event_id: str, reason: str) -> None:
        log.warning(
            "withheld from %s: %s %d/%d event %s: %s",
            self.destination.id,
            record.topic,
            record.partition,
            record.offset,
            event_id,
            reason,
        )


class _State(StageState):
    """The destination's memory, as the engine sees it: read whole, written by the
    transform, and read again whenever records are (the engine's defaults)."""

    def __init__(self, destination: TopicDestination, replay_topic: str) -> None:
        self._destination = destination
        self._replay_topic = replay_topic

    async def load(self, partitions: set[TopicPartition]) -> None:
        await self._destination.load()  # not kept per input partition: all of it

    def stale_for(self, partitions: set[TopicPartition]) -> bool:
        # A replayed record's source partition may be another instance's, which may have
        # written about it since this one loaded its state: read the state again (replays
        # are rare; the state is committed, none in hand).
        return any(tp.topic == self._replay_topic for tp in partitions)
