"""The translator's transactions on the real broker, with its read-ahead.

While one batch's transaction commits, the translator already translates the next
batch (read ahead). A commit that fails must take that read-ahead with it: the batch
is aborted, the consumer goes back to the committed offsets, and in the end every fact
is on the topic exactly once for ``read_committed`` readers.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from connectors.registry import partners
from connectors.translator import Translator, _Batch, _Rebalances
from contracts import KafkaSettings, RawMessage, event_id
from tests.kafka_helpers import read_records
from tests.samples import partner_sample

MESSAGES = 60
BATCH = 10
TEMPLATE = json.loads(partner_sample("maasdal", "01-status-acc.json"))


def message(index: int) -> RawMessage:
    body = {**TEMPLATE, "berichtId": f"TX-{index:04d}", "opdrachtnummer": f"WL-2026-{index:06d}"}
    return RawMessage(
        partner="maasdal",
        channel="webhook",
        body=json.dumps(body).encode(),
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        content_type="application/json",
        key=body["opdrachtnummer"].encode(),
    )


class CommitFailsOnce(Translator):
    """The translator whose second commit fails after the broker aborted it, once the
    read-ahead of that step is done (so there is one to drop)."""

    def __init__(self, kafka: KafkaSettings) -> None:
        super().__init__(kafka, {"maasdal": partners()["maasdal"].inbound}, max_batch=BATCH)
        self.read_aheads: list[_Batch | None] = []
        self.failed_batch: _Batch | None = None
        self._second_read_ahead = asyncio.Event()

    async def start(self) -> None:
        await super().start()
        producer = self._producer
        assert producer is not None
        commit = producer.commit_transaction
        commits = 0

        async def commit_transaction() -> None:
            nonlocal commits
            commits += 1
            if commits != 2:
                await commit()
                return
            async with asyncio.timeout(20):
                await self._second_read_ahead.wait()
            # The broker aborts this transaction for real; the translator hears what it
            # would hear from a commit that did not go through.
            await producer.abort_transaction()
            raise KafkaConnectionError("injected: the commit did not go through")

        producer.commit_transaction = commit_transaction

    async def _write(self, batch: _Batch) -> None:
        if len(self.read_aheads) == 1:
            self.failed_batch = batch
        await super()._write(batch)

    async def _read_ahead(self) -> _Batch | None:
        ahead = await super()._read_ahead()
        self.read_aheads.append(ahead)
        if len(self.read_aheads) == 2:
            self._second_read_ahead.set()
        return ahead


@pytest.fixture
async def raw_topic(kafka: KafkaSettings) -> str:
    topic = kafka.topics.raw("maasdal")
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for index in range(MESSAGES):
            record = message(index).to_kafka()
            await producer.send_and_wait(
                topic, value=record.value, key=record.key, headers=list(record.headers)
            )
    finally:
        await producer.stop()
    return topic


async def everything_on(kafka: KafkaSettings, topic: str) -> int:
    """How many records ``topic`` holds for a read_uncommitted reader (aborted ones too)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"test-uncommitted-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        isolation_level="read_uncommitted",
        enable_auto_commit=False,
    )
    await consumer.start()
    count = 0
    try:
        end = await consumer.end_offsets(list(consumer.assignment()))
        for tp, offset in end.items():
            while await consumer.position(tp) < offset:
                batch = await consumer.getmany(tp, timeout_ms=200)
                count += sum(len(records) for records in batch.values())
    finally:
        await consumer.stop()
    return count


async def test_a_failed_commit_drops_the_read_ahead_and_every_fact_is_written_once(
    kafka: KafkaSettings, raw_topic: str
) -> None:
    translator = CommitFailsOnce(kafka)
    stopping = asyncio.Event()
    task = asyncio.create_task(translator.run(stopping))
    try:
        records = await read_records(kafka, kafka.topics.orders, MESSAGES, within=60)
    finally:
        stopping.set()
        await task

    # The second batch's commit failed while the third batch was read ahead.
    assert translator.stats.aborted_batches == 1
    failed, dropped = translator.failed_batch, translator.read_aheads[1]
    assert failed is not None
    assert failed.records > 0
    assert dropped is not None
    assert dropped.records > 0
    # Each fact exactly once for read_committed readers, none missing.
    ids = [dict(record.headers)["ce_id"].decode() for record in records]
    assert sorted(ids) == sorted(
        event_id("maasdal", f"TX-{index:04d}", 0) for index in range(MESSAGES)
    )
    assert translator.stats.records == MESSAGES
    assert translator.stats.events == MESSAGES
    # The aborted batch really was written before the broker threw it away.
    assert await everything_on(kafka, kafka.topics.orders) == MESSAGES + failed.records


async def test_records_read_ahead_of_a_rebalance_are_not_used_after_it() -> None:
    translator = Translator(KafkaSettings(topic_prefix="unit."), {})
    listener = _Rebalances(translator._rebalanced)
    ahead = _Batch(records=3, offsets={}, outputs=[], generation=translator._generation)

    translator._ahead = ahead
    assert translator._take_ahead() is ahead

    translator._ahead = ahead
    await listener.on_partitions_revoked(set())
    assert translator._take_ahead() is None
    assert translator._ahead is None
