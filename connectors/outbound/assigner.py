"""Work orders in, ``order.assigned`` facts out, exactly once (a Kafka transaction).

The maintenance system produces each new order as VERA ``Onderhoudsorder`` JSON to
``keten.workorders.v1``. The assigner reads them (``read_committed``), turns each into
a canonical fact (``workorder.py``) on ``keten.orders.v1`` — where the data warehouse
sees it and each partner's outbound worker picks up its own — or parks it on
``keten.deadletter.workorders`` with the reason, and commits its offsets in the same
transaction: a crash never writes a fact twice nor skips one. (The translator does
the same for partner messages; a work order is not a partner's raw record, so it has
its own small loop.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from connectors.errors import TranslationError
from connectors.outbound.workorder import PRODUCER, workorder_event
from contracts import DeadLetter, KafkaRecord, KafkaSettings
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.topics import ensure_topics
from kit.kafka.transactions import committed_reader, rewind_to_committed, run_batches

log = logging.getLogger(__name__)

STAGE = "workorders"


@dataclass
class AssignerStats:
    orders: int = 0
    dead_letters: int = 0
    batches: int = 0


class Assigner:
    def __init__(
        self,
        kafka: KafkaSettings,
        partners: Collection[str],
        *,
        instance: int = 0,
        max_batch: int = 500,
    ) -> None:
        self._kafka = kafka
        self._partners = frozenset(partners)
        self.group_id = f"{kafka.topic_prefix}ketenbus-assigner"
        self._transactional_id = f"{self.group_id}-{instance}"
        self._max_batch = max_batch
        self.stats = AssignerStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        topics = self._kafka.topics
        used = [topics.workorders, topics.orders, topics.deadletter(STAGE)]
        await ensure_topics(self._kafka, used)
        await wait_until_usable(
            self._kafka, used, group_id=self.group_id, transactional_id=self._transactional_id
        )
        self._producer = clients.producer(
            self._kafka, "assigner", transactional_id=self._transactional_id
        )
        self._consumer = committed_reader(
            self._kafka, topics.workorders, group_id=self.group_id, client="assigner"
        )
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()

    async def run(self, stopping: asyncio.Event) -> None:
        """Assign until ``stopping`` is set; a failed batch is aborted and read again."""
        await self.start()
        try:
            await run_batches(
                stopping,
                self.step,
                aborted=self._rewind,
                what="assigner",
                transactional_id=self._transactional_id,
            )
        finally:
            await self.stop()

    async def step(self, timeout_ms: int = 500) -> int:
        """One batch in one transaction; returns the number of work orders read."""
        assert self._consumer is not None
        assert self._producer is not None
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        if not batch:
            return 0
        outputs = [self._assign(record) for records in batch.values() for record in records]
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        async with self._producer.transaction():
            sends = [
                await self._producer.send(
                    topic, value=record.value, key=record.key, headers=list(record.headers)
                )
                for topic, record in outputs
            ]
            await asyncio.gather(*sends)
            await self._producer.send_offsets_to_transaction(offsets, self.group_id)
        dead = sum(1 for topic, _ in outputs if topic == self._kafka.topics.deadletter(STAGE))
        self.stats.batches += 1
        self.stats.dead_letters += dead
        self.stats.orders += len(outputs) - dead
        return len(outputs)

    def _assign(self, record: ConsumerRecord[bytes, bytes]) -> tuple[str, KafkaRecord]:
        try:
            event = workorder_event(record.value or b"", partners=self._partners)
        except TranslationError as exc:
            letter = DeadLetter(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                stage=STAGE,
                exception=type(exc).__name__,
                message=str(exc),
                partner=PRODUCER,
                message_id=exc.message_id,
            )
            log.warning("work order dead letter: offset %d: %s", record.offset, letter.exception)
            headers = tuple(record.headers)
            return self._kafka.topics.deadletter(STAGE), letter.to_kafka(
                record.key, record.value or b"", headers
            )
        return self._kafka.topics.orders, event.to_kafka()

    async def _rewind(self) -> None:
        assert self._consumer is not None
        await rewind_to_committed(self._consumer)
