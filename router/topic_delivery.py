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
again after a back-off. One consumer group per destination, as for the VERA systems.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)

from contracts import CanonicalEvent, ContractError, KafkaRecord, KafkaSettings
from kit.delivery.dead_letters import dead_letter
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.topics import ensure_topics
from kit.kafka.transactions import committed_reader, rewind_to_committed, run_batches
from router.destination import Withheld, source_topics
from router.entitlement import Counted, Entitlement, Redacted, decide

log = logging.getLogger(__name__)

REPLAY_PARTITION_BASE = 1000
"""A replayed record is counted as if from partition ``1000 + <its replay partition>``:
a running count's key holds its source partition so that two instances never write
the same count, and a replay partition is not the signals partition of the same number."""


@dataclass(frozen=True)
class Output:
    """One record a topic destination writes, in the batch's transaction."""

    topic: str
    record: KafkaRecord


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


@dataclass
class TopicDeliveryStats:
    delivered: int = 0
    skipped: int = 0
    withheld: int = 0
    dead_lettered: int = 0
    batches: int = 0
    aborted_batches: int = 0
    outputs: int = 0


class TopicDeliveryWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        destination: TopicDestination,
        *,
        routes: frozenset[str],
        entitlement: Entitlement,
        instance: int = 0,
        max_batch: int = 500,
    ) -> None:
        self._kafka = kafka
        self.destination = destination
        self.routes = routes
        self.entitlement = entitlement
        self.group_id = f"{kafka.topic_prefix}ketenbus-router-{destination.id}"
        # One transactional id per running instance: a restarted instance fences off
        # its own zombie, and two instances never fence each other.
        self._transactional_id = f"{self.group_id}-{instance}"
        self._max_batch = max_batch
        self.stats = TopicDeliveryStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._ready = asyncio.Event()
        """Set once the destination's state is loaded for the current assignment."""
        self._busy = asyncio.Lock()
        """Held while a batch is handled and committed: a rebalance waits for it, so the
        next owner loads state that includes it."""

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
        topics = [*self.sources, self.replay_topic, self.deadletter_topic]
        await ensure_topics(self._kafka, topics)
        for topic, config in self.destination.output_topics().items():
            await ensure_topics(self._kafka, [topic], config)
            topics.append(topic)
        await wait_until_usable(
            self._kafka, topics, group_id=self.group_id, transactional_id=self._transactional_id
        )
        self._producer = clients.producer(
            self._kafka, self.group_id, transactional_id=self._transactional_id
        )
        self._consumer = committed_reader(self._kafka, group_id=self.group_id, client=self.group_id)
        await self._producer.start()
        await self._consumer.start()
        self._consumer.subscribe([*self.sources, self.replay_topic], listener=_Reload(self))

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
        self._consumer = self._producer = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set; a failed batch is aborted and read again."""
        try:
            await self.start()
            await run_batches(
                stopping,
                self.step,
                aborted=self._aborted,
                what=self.destination.id,
                transactional_id=self._transactional_id,
            )
        finally:
            await self.stop()

    async def step(self, timeout_ms: int = 200) -> int:
        """Deliver one batch in one transaction; returns the number of records read."""
        assert self._consumer is not None
        assert self._producer is not None
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        if not batch:
            return 0
        await self._ready.wait()
        async with self._busy:
            assigned = self._consumer.assignment()
            batch = {tp: records for tp, records in batch.items() if tp in assigned}
            if any(tp.topic == self.replay_topic for tp in batch):
                # A replayed record's source partition may be another instance's, which
                # may have written about it since this one loaded its state: read the
                # state again (replays are rare; the state is committed, none in hand).
                await self.destination.load()
            return await self._deliver(batch) if batch else 0

    async def _deliver(
        self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> int:
        assert self._producer is not None
        outputs: list[Output] = []
        outcomes: list[str] = []
        for tp, records in batch.items():
            for record in records:
                kind, produced = self._handle(tp, record)
                outcomes.append(kind)
                outputs += produced
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        async with self._producer.transaction():
            sends = [
                await self._producer.send(
                    output.topic,
                    value=output.record.value,
                    key=output.record.key,
                    headers=list(output.record.headers),
                )
                for output in outputs
            ]
            await asyncio.gather(*sends)
            await self._producer.send_offsets_to_transaction(offsets, self.group_id)
        # Counted only once the transaction committed: an aborted batch is read again.
        for kind in outcomes:
            setattr(self.stats, kind, getattr(self.stats, kind) + 1)
        self.stats.outputs += len(outputs)
        self.stats.batches += 1
        return sum(len(records) for records in batch.values())

    def _handle(
        self, tp: TopicPartition, record: ConsumerRecord[bytes, bytes]
    ) -> tuple[str, list[Output]]:
        try:
            event = CanonicalEvent.from_kafka(record.value, tuple(record.headers))
        except ContractError as exc:
            if record.topic == self._kafka.topics.signals:
                # Its bytes and headers may say "this order has a social signal".
                self._report(record, "?", "unreadable record on the restricted topic")
                return "withheld", []
            return "dead_lettered", [self._park(record, exc)]
        if event.fact_type not in self.routes:
            return "skipped", []
        decided = decide(event, self.entitlement)
        if isinstance(decided, Withheld):
            self._report(record, event.id, decided.reason)
            return "withheld", []
        if tp.topic == self.replay_topic:
            tp = TopicPartition(tp.topic, REPLAY_PARTITION_BASE + tp.partition)
        try:
            return "delivered", self.destination.outputs(decided, tp)
        except (KeyError, ValueError, TypeError) as exc:  # a mapping bug or unexpected data
            return "dead_lettered", [self._park(record, exc)]

    def _park(self, record: ConsumerRecord[bytes, bytes], exc: Exception) -> Output:
        # Without its bytes: the warehouse's people may not see what the fact holds.
        parked = dead_letter(record, exc, destination=self.destination.id, attempts=1, view=None)
        log.warning(
            "dead letter for %s: %s %d/%d: %s",
            self.destination.id,
            record.topic,
            record.partition,
            record.offset,
            type(exc).__name__,
        )
        return Output(self.deadletter_topic, parked)

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

    async def _aborted(self) -> None:
        """After an aborted transaction: state and positions back to what committed."""
        assert self._consumer is not None
        self.stats.aborted_batches += 1
        await self.destination.load()
        await rewind_to_committed(self._consumer)


class _Reload(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: TopicDeliveryWorker) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self._worker._busy:  # let the batch in hand commit first
            self._worker._ready.clear()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._worker.destination.load()
        self._worker._ready.set()
