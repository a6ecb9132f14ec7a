"""Hands ``order.assigned`` facts to one partner: the outbound twin of a delivery worker.

* Its own consumer group per partner (``ketenbus-outbound-<partner>``) on
  ``keten.orders.v1`` (and ``keten.replay.outbound-<partner>``, the dead letters ops send
  back), so a partner whose API is down stalls only its own orders.
* Only ``order.assigned`` facts naming this partner are decoded (the ``ce_type``
  header decides before the body is read); every other fact is passed over.
* Orders of one key go one after the other; different orders in parallel, at most
  ``concurrency`` at a time.
* Passing faults are retried by the channel's retry policy; a permanent fault or a
  spent budget parks the fact on ``keten.deadletter.outbound-<partner>`` with the
  partner's answer; a credential fault stops this partner's outbound loudly, without
  committing (the facts wait for new credentials).
* Offsets are committed only after every fact of the batch is delivered or parked.
  A crash before the commit hands some orders over again: Maasdal answers 409
  (treated as delivered), Heuvelland's file is written again under the same name.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from connectors.outbound.channel import PartnerOutbound
from contracts import (
    CanonicalEvent,
    ContractError,
    DeadLetter,
    KafkaSettings,
    OrderAssigned,
    cloudevents_type,
)
from kit.delivery.errors import CredentialFault, DeliveryError, Rejected
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.topics import ensure_topics
from kit.kafka.transactions import committed_reader

log = logging.getLogger(__name__)

ASSIGNED_TYPE = cloudevents_type(OrderAssigned.fact_type).encode()


class OutboundStopped(RuntimeError):
    """A partner refused ketenbus's credentials; its outbound stopped."""


@dataclass
class OutboundStats:
    delivered: int = 0
    dead_lettered: int = 0
    passed_over: int = 0
    batches: int = 0


def deadletter_stage(partner: str) -> str:
    return f"outbound-{partner}"


class OutboundWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        channel: PartnerOutbound,
        *,
        concurrency: int = 4,
        max_batch: int = 500,
    ) -> None:
        self._kafka = kafka
        self.channel = channel
        self.partner = channel.partner_id
        self._concurrency = concurrency
        self._max_batch = max_batch
        self.group_id = f"{kafka.topic_prefix}ketenbus-outbound-{self.partner}"
        self.deadletter_topic = kafka.topics.deadletter(deadletter_stage(self.partner))
        # Dead letters ops send back to this partner only (``ketenbus deadletters replay``).
        self.replay_topic = kafka.topics.replay(deadletter_stage(self.partner))
        self.stats = OutboundStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        topics = self._kafka.topics
        used = [topics.orders, self.replay_topic, self.deadletter_topic]
        await ensure_topics(self._kafka, used)
        await wait_until_usable(self._kafka, used, group_id=self.group_id)
        self._producer = clients.producer(self._kafka, self.group_id)
        self._consumer = committed_reader(
            self._kafka,
            topics.orders,
            self.replay_topic,
            group_id=self.group_id,
            client=self.group_id,
        )
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
        await self.channel.aclose()

    async def run(self, stopping: asyncio.Event) -> None:
        """Hand orders over until ``stopping`` is set, or the partner refuses our credentials."""
        await self.start()
        try:
            while not stopping.is_set():
                await self.step()
        finally:
            await self.stop()

    async def step(self, timeout_ms: int = 500) -> int:
        """Handle one batch, then commit it; returns the number of records read."""
        assert self._consumer is not None
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        if not batch:
            return 0
        per_order: dict[tuple[TopicPartition, bytes | None], list[ConsumerRecord[bytes, bytes]]]
        per_order = defaultdict(list)
        for tp, records in batch.items():
            for record in records:
                if self._is_assigned(record):
                    per_order[(tp, record.key)].append(record)
                else:
                    self.stats.passed_over += 1
        slots = asyncio.Semaphore(self._concurrency)

        async def in_order(records: list[ConsumerRecord[bytes, bytes]]) -> None:
            async with slots:
                for record in records:
                    await self._handle(record)

        try:
            async with asyncio.TaskGroup() as group:
                for records in per_order.values():
                    group.create_task(in_order(records))
        except* CredentialFault as failures:
            fault = failures.exceptions[0]
            log.critical(
                "partner %s refuses ketenbus's credentials (%s): stopping its outbound",
                self.partner,
                fault,
            )
            raise OutboundStopped(f"{self.partner}: {fault}") from fault
        await self._consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})
        self.stats.batches += 1
        return sum(len(records) for records in batch.values())

    @staticmethod
    def _is_assigned(record: ConsumerRecord[bytes, bytes]) -> bool:
        return any(name == "ce_type" and value == ASSIGNED_TYPE for name, value in record.headers)

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            event = CanonicalEvent.from_kafka(record.value, tuple(record.headers))
        except ContractError as exc:
            await self._dead_letter(record, exc, attempts=0)
            return
        assert isinstance(event.data, OrderAssigned)
        if event.data.partner != self.partner:
            self.stats.passed_over += 1
            return
        attempts = 0
        try:
            async for attempt in self.channel.retry.retrying():
                with attempt:
                    attempts += 1
                    detail = await self.channel.deliver(event)
        except CredentialFault:
            raise
        except DeliveryError as exc:
            await self._dead_letter(record, exc, attempts=attempts, event=event)
            return
        self.stats.delivered += 1
        log.info("outbound %s: %s %s (attempt %d)", self.partner, event.subject, detail, attempts)

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        exc: Exception,
        *,
        attempts: int,
        event: CanonicalEvent | None = None,
    ) -> None:
        assert self._producer is not None
        letter = DeadLetter(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            stage=deadletter_stage(self.partner),
            exception=type(exc).__name__,
            message=str(exc),
            partner=self.partner,
            message_id=event.id if event else "",
            destination=self.partner,
            attempts=attempts,
            response=exc.response_body if isinstance(exc, Rejected) else "",
        )
        parked = letter.to_kafka(record.key, record.value, tuple(record.headers))
        await self._producer.send_and_wait(
            self.deadletter_topic, parked.value, key=parked.key, headers=list(parked.headers)
        )
        self.stats.dead_lettered += 1
        log.warning(
            "outbound %s dead letter: offset %d: %s", self.partner, record.offset, letter.exception
        )
