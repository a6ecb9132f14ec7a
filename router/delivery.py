"""The delivery worker: one per destination, the same machinery for every destination.

* Its own consumer group (``ketenbus-router-<destination>``), so an outage of one
  system stalls only that system.
* Facts of one order (one Kafka key) are delivered one after the other, in offset
  order; different orders go in parallel, at most ``concurrency`` at a time.
* Entitlement first: an event more sensitive than the destination may receive is
  skipped, never sent.
* Passing faults are retried by the destination's retry policy; permanent ones and a
  spent budget become dead letters with full context; a credential fault stops the
  worker loudly without committing, because it is not a message problem.
* Offsets are committed only after every record of the batch is delivered, skipped
  or parked as a dead letter. A crash before the commit delivers some facts again;
  they carry the same Referentienummer, so the corporation does each once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts import CanonicalEvent, ContractError, DeadLetter, KafkaSettings, ensure_topics
from router.destination import DeadLettered, Destination, Outcome, Skipped
from router.errors import CredentialFault, DeliveryError, Rejected
from router.retry import RetryPolicy

log = logging.getLogger(__name__)


class DestinationStopped(RuntimeError):
    """A destination refused ketenbus's credentials; its worker stopped."""


@dataclass
class DeliveryStats:
    delivered: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    batches: int = 0

    def count(self, outcome: Outcome) -> None:
        if isinstance(outcome, DeadLettered):
            self.dead_lettered += 1
        elif isinstance(outcome, Skipped):
            self.skipped += 1
        else:
            self.delivered += 1


class DeliveryWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        destination: Destination,
        policy: RetryPolicy,
        *,
        concurrency: int = 8,
        max_batch: int = 500,
    ) -> None:
        self._kafka = kafka
        self.destination = destination
        self._policy = policy
        self._concurrency = concurrency
        self._max_batch = max_batch
        self.group_id = f"{kafka.topic_prefix}ketenbus-router-{destination.id}"
        self.stats = DeliveryStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    @property
    def deadletter_topic(self) -> str:
        return self._kafka.topics.deadletter(self.destination.id)

    async def start(self) -> None:
        sources = self.destination.topics(self._kafka.topics)
        await ensure_topics(self._kafka, [*sources, self.deadletter_topic])
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-{self.group_id}",
            enable_idempotence=True,
            acks="all",
        )
        self._consumer = AIOKafkaConsumer(
            *sources,
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-{self.group_id}",
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
        await self.destination.aclose()

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set, or until the destination refuses our credentials."""
        await self.start()
        try:
            while not stopping.is_set():
                await self.step()
        finally:
            await self.stop()

    async def step(self, timeout_ms: int = 500) -> int:
        """Deliver one batch, then commit it; returns the number of records."""
        assert self._consumer is not None
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        if not batch:
            return 0
        per_order: dict[tuple[TopicPartition, bytes | None], list[ConsumerRecord[bytes, bytes]]]
        per_order = defaultdict(list)
        for tp, records in batch.items():
            for record in records:
                per_order[(tp, record.key)].append(record)
        slots = asyncio.Semaphore(self._concurrency)

        async def deliver_in_order(records: list[ConsumerRecord[bytes, bytes]]) -> None:
            async with slots:
                for record in records:
                    self.stats.count(await self._handle(record))

        try:
            async with asyncio.TaskGroup() as group:
                for records in per_order.values():
                    group.create_task(deliver_in_order(records))
        except* CredentialFault as failures:
            fault = failures.exceptions[0]
            log.critical(
                "destination %s refuses ketenbus's credentials (%s): stopping its delivery",
                self.destination.id,
                fault,
            )
            raise DestinationStopped(f"{self.destination.id}: {fault}") from fault
        await self._consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
        self.stats.batches += 1
        return sum(len(records) for records in batch.values())

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> Outcome:
        try:
            event = CanonicalEvent.from_kafka(record.value, tuple(record.headers))
        except ContractError as exc:
            return await self._dead_letter(record, exc, attempts=0)
        if not event.ownership.classification <= self.destination.max_classification:
            return Skipped(f"not entitled to {event.ownership.classification} data")
        attempts = 0
        try:
            async for attempt in self._policy.retrying():
                with attempt:
                    attempts += 1
                    return await self.destination.deliver(event)
        except CredentialFault:
            raise
        except DeliveryError as exc:
            return await self._dead_letter(record, exc, attempts=attempts, event=event)
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        exc: Exception,
        *,
        attempts: int,
        event: CanonicalEvent | None = None,
    ) -> DeadLettered:
        assert self._producer is not None
        letter = DeadLetter(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            stage=self.destination.id,
            exception=type(exc).__name__,
            message=str(exc),
            partner=event.ownership.producer if event else "",
            message_id=event.id if event else "",
            destination=self.destination.id,
            attempts=attempts,
            response=exc.response_body if isinstance(exc, Rejected) else "",
        )
        parked = letter.to_kafka(record.key, record.value, tuple(record.headers))
        await self._producer.send_and_wait(
            self.deadletter_topic, parked.value, key=parked.key, headers=list(parked.headers)
        )
        log.warning(
            "dead letter for %s: %s offset %d: %s",
            self.destination.id,
            record.topic,
            record.offset,
            letter.exception,
        )
        return DeadLettered(f"{letter.exception}: {letter.message}")
