"""Work orders in, ``order.assigned`` facts out, exactly once (a Kafka transaction).

The maintenance system produces each new order as VERA ``Onderhoudsorder`` JSON to
``keten.workorders.v1``. The assigner reads them (``read_committed``), turns each into
a canonical fact (``workorder.py``) on ``keten.orders.v1`` — where the data warehouse
sees it and each partner's outbound worker picks up its own — or parks it on
``keten.deadletter.workorders`` with the reason, and commits its offsets in the same
transaction: a crash never writes a fact twice nor skips one. The loop is the
transactional stage engine (``kit.engine.transactional``), as for the translator, so
the assigner runs in as many ``ketenbus outbound`` instances as the work orders topic
has partitions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

from aiokafka import ConsumerRecord

from connectors.errors import TranslationError
from connectors.outbound.workorder import PRODUCER, workorder_event
from contracts import KafkaSettings
from kit.engine.dead_letters import ORIGINAL, dead_letter
from kit.engine.stage import StageStats
from kit.engine.transactional import Output, TransactionalEngine, Transformed
from kit.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

STAGE = "workorders"


class Assigner:
    def __init__(
        self, kafka: KafkaSettings, partners: Collection[str], *, max_batch: int = 500
    ) -> None:
        self._kafka = kafka
        self._partners = frozenset(partners)
        self.group_id = f"{kafka.topic_prefix}ketenbus-assigner"
        topics = kafka.topics
        self._topics = [topics.workorders, topics.orders, topics.deadletter(STAGE)]
        self.engine = TransactionalEngine(
            kafka,
            stage="assigner",
            group_id=self.group_id,
            inputs=[topics.workorders],
            outputs=[topics.orders, topics.deadletter(STAGE)],
            transform=self._assign,
            max_batch=max_batch,
        )

    @property
    def stats(self) -> StageStats:
        return self.engine.stats

    async def start(self) -> None:
        await ensure_topics(self._kafka, self._topics)
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()

    async def run(self, stopping: asyncio.Event) -> None:
        """Assign until ``stopping`` is set; a failed batch is aborted and read again."""
        await ensure_topics(self._kafka, self._topics)
        await self.engine.run(stopping)

    async def step(self, timeout_ms: int = 500) -> int:
        """One batch (a transaction per work-order partition); returns its records."""
        return await self.engine.step(timeout_ms)

    def _assign(self, record: ConsumerRecord[bytes, bytes]) -> Transformed:
        try:
            event = workorder_event(record.value or b"", partners=self._partners)
        except TranslationError as exc:
            log.warning("work order dead letter: offset %d: %s", record.offset, type(exc).__name__)
            letter = dead_letter(
                record,
                exc,
                stage=STAGE,
                keep=ORIGINAL,
                partner=PRODUCER,
                message_id=exc.message_id,
            )
            deadletters = self._kafka.topics.deadletter(STAGE)
            return Transformed("dead_lettered", [Output(deadletters, letter, "dead_letter")])
        return Transformed(
            "assigned", [Output(self._kafka.topics.orders, event.to_kafka(), "event")]
        )
