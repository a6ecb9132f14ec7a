"""Hands ``order.assigned`` facts to one partner: the outbound twin of a delivery worker.

* Its own consumer group per partner (``ketenbus-outbound-<partner>``) on
  ``keten.orders.v1`` (and ``keten.replay.outbound-<partner>``, the dead letters ops send
  back), so a partner whose API is down stalls only its own orders.
* Only ``order.assigned`` facts are decoded (the ``ce_type`` header decides before the
  body is read), and only those naming this partner are handed over; every other fact
  is passed over.
* The rest is the delivery engine (``kit.engine.lanes``), the same as the router's:
  orders of one key one after the other, different orders in parallel (``concurrency``
  lanes); passing faults retried by the channel's retry policy behind a circuit
  breaker; a permanent fault or a spent budget parks the fact on
  ``keten.deadletter.outbound-<partner>`` with the partner's answer; a credential fault
  stops this partner's outbound loudly, without committing (the facts wait for new
  credentials); offsets committed only past facts delivered or parked. A crash hands
  some orders over again: Maasdal answers 409 (treated as delivered), Heuvelland's file
  is written again under the same name.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import ConsumerRecord

from connectors.outbound.channel import PartnerOutbound
from contracts import CanonicalEvent, ContractError, KafkaSettings, OrderAssigned, cloudevents_type
from kit.delivery.breaker import BreakerSettings, CircuitBreaker
from kit.engine.lanes import DeliveryStopped, LaneEngine
from kit.engine.outcomes import Delivered, Outcome, Skipped
from kit.engine.stage import StageStats
from kit.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

ASSIGNED_TYPE = cloudevents_type(OrderAssigned.fact_type).encode()

OutboundStopped = DeliveryStopped
"""A partner refused ketenbus's credentials; its outbound stopped."""


def deadletter_stage(partner: str) -> str:
    return f"outbound-{partner}"


class OutboundWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        channel: PartnerOutbound,
        *,
        breaker: BreakerSettings | None = None,
        concurrency: int = 4,
    ) -> None:
        self._kafka = kafka
        self.channel = channel
        self.partner = channel.partner_id
        self.group_id = f"{kafka.topic_prefix}ketenbus-outbound-{self.partner}"
        self.deadletter_topic = kafka.topics.deadletter(deadletter_stage(self.partner))
        # Dead letters ops send back to this partner only (``ketenbus deadletters replay``).
        self.replay_topic = kafka.topics.replay(deadletter_stage(self.partner))
        self.engine = LaneEngine(
            kafka,
            stage=self.group_id,
            target=self.partner,
            group_id=self.group_id,
            inputs=[kafka.topics.orders, self.replay_topic],
            deadletter_topic=self.deadletter_topic,
            parks_as=deadletter_stage(self.partner),
            handle=self._handle,
            policy=channel.retry,
            breaker=breaker,
            select=_is_assigned,
            concurrency=concurrency,
        )

    @property
    def stats(self) -> StageStats:
        return self.engine.stats

    @property
    def breaker(self) -> CircuitBreaker:
        return self.engine.breaker

    async def start(self) -> None:
        topics = self._kafka.topics
        await ensure_topics(self._kafka, [topics.orders, self.replay_topic, self.deadletter_topic])
        await self.engine.start()

    async def stop(self) -> None:
        try:
            await self.engine.stop()
        finally:
            await self.channel.aclose()

    async def run(self, stopping: asyncio.Event) -> None:
        """Hand orders over until ``stopping`` is set, or the partner refuses our credentials."""
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
            return await self.engine.park(
                record, exc, keep="original", attempts=0, partner=self.partner
            )
        assert isinstance(event.data, OrderAssigned)
        if event.data.partner != self.partner:
            return Skipped(f"assigned to {event.data.partner}")

        async def hand_over() -> Outcome:
            detail = await self.channel.deliver(event)
            log.info("outbound %s: %s %s", self.partner, event.subject, detail)
            return Delivered(detail)

        return await self.engine.deliver(record, hand_over, keep=event, partner=self.partner)


def _is_assigned(record: ConsumerRecord[bytes, bytes]) -> bool:
    return any(name == "ce_type" and value == ASSIGNED_TYPE for name, value in record.headers)
