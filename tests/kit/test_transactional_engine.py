"""The transactional stage engine on the real broker (through the translator, its
busiest user): a failed commit and its read-ahead, instances sharing the partitions,
and a producer fenced by the partition's next owner."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaConnectionError

from connectors.registry import partners
from connectors.translator import Translator
from contracts import KafkaSettings
from kit.engine.transactional import TransactionalEngine, _Batch
from tests.kafka_helpers import eventually, read_records
from tests.maasdal_stream import expected_ids, send_raw

pytestmark = pytest.mark.kafka

MESSAGES = 60
BATCH = 10


def maasdal_translator(kafka: KafkaSettings, *, max_batch: int = BATCH) -> Translator:
    return Translator(kafka, {"maasdal": partners()["maasdal"].inbound}, max_batch=max_batch)


def event_ids(records: list) -> list[str]:
    return sorted(dict(record.headers)["ce_id"].decode() for record in records)


class CommitFailsOnce(TransactionalEngine):
    """An engine that fails one partition's commit, after the broker aborted it, in the
    first step after the first whose read-ahead holds records (so there is one to drop)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.failed: _Batch | None = None
        self.dropped: _Batch | None = None
        self._writing: _Batch | None = None
        self._writes = 0
        self._ahead_read = asyncio.Event()
        self._last_ahead: _Batch | None = None

    async def _open_producers(self, partitions: set[TopicPartition]) -> dict:
        opened = await super()._open_producers(partitions)
        for producer in opened.values():
            self._fail_one_commit(producer)
        return opened

    def _fail_one_commit(self, producer: AIOKafkaProducer) -> None:
        commit = producer.commit_transaction

        async def commit_transaction() -> None:
            if self.failed is None and self._writes >= 2:
                await self._ahead_read.wait()  # this step's read-ahead is done
                if self.failed is None and self._last_ahead is not None:
                    self.failed, self.dropped = self._writing, self._last_ahead
                    # The broker aborts this transaction for real; the engine hears what
                    # it would hear from a commit that did not go through.
                    await producer.abort_transaction()
                    raise KafkaConnectionError("injected: the commit did not go through")
            await commit()

        producer.commit_transaction = commit_transaction

    async def _write(self, batch: _Batch) -> list:
        self._writes += 1
        self._writing = batch
        return await super()._write(batch)

    async def step(self, timeout_ms: int = 500) -> int:
        self._ahead_read.clear()
        return await super().step(timeout_ms)

    async def _read_ahead(self) -> _Batch | None:
        self._last_ahead = await super()._read_ahead()
        self._ahead_read.set()
        return self._last_ahead


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
    kafka: KafkaSettings,
) -> None:
    await send_raw(kafka, range(MESSAGES))
    translator = maasdal_translator(kafka)
    engine = translator.engine
    translator.engine = CommitFailsOnce(
        kafka,
        stage="translator",
        group_id=engine.group_id,
        inputs=translator.raw_topics,
        outputs=[kafka.topics.orders, kafka.topics.signals, kafka.topics.translate_seen("maasdal")],
        transform=translator.translate,
        state=translator.seen,
        max_batch=BATCH,
    )
    stopping = asyncio.Event()
    task = asyncio.create_task(translator.run(stopping))
    try:
        records = await read_records(kafka, kafka.topics.orders, MESSAGES, within=60)
    finally:
        stopping.set()
        await task

    failing = translator.engine
    assert isinstance(failing, CommitFailsOnce)
    # A commit failed while the next batch was read ahead.
    assert translator.stats.aborted_batches == 1
    failed, dropped = failing.failed, failing.dropped
    assert failed is not None
    assert failed.records > 0
    assert dropped is not None
    assert dropped.records > 0
    # Each fact exactly once for read_committed readers, none missing.
    assert event_ids(records) == expected_ids(range(MESSAGES))
    assert translator.stats.records == MESSAGES
    assert translator.stats.outputs["event"] == MESSAGES
    assert translator.stats.outcomes["translated"] == MESSAGES
    # The dropped read-ahead's ids were claimed, then forgotten with it: read again,
    # its records were written, not taken for duplicates of themselves.
    assert translator.stats.outcomes["duplicate"] == 0
    # The aborted transaction really was written before the broker threw it away: the
    # batch's records of the failed partition, and no more.
    aborted = await everything_on(kafka, kafka.topics.orders) - MESSAGES
    assert 0 < aborted <= failed.records


async def test_two_instances_share_the_partitions_and_write_every_fact_once(
    kafka: KafkaSettings,
) -> None:
    first, second = maasdal_translator(kafka), maasdal_translator(kafka)
    stopping = asyncio.Event()
    tasks = [asyncio.create_task(t.run(stopping)) for t in (first, second)]
    try:
        raw = {TopicPartition(kafka.topics.raw("maasdal"), p) for p in range(kafka.partitions)}
        await eventually(
            lambda: (
                first.engine.partitions | second.engine.partitions == raw
                and not first.engine.partitions & second.engine.partitions
                and first.engine.partitions != set() != second.engine.partitions
            ),
            within=60,
            what="the two instances split the raw partitions",
        )
        await send_raw(kafka, range(200))
        records = await read_records(kafka, kafka.topics.orders, 200, within=60)
    finally:
        stopping.set()
        await asyncio.gather(*tasks)

    assert event_ids(records) == expected_ids(range(200))
    assert first.stats.records + second.stats.records == 200
    assert first.stats.records > 0
    assert second.stats.records > 0
    # Each instance wrote through one producer per partition it holds, named for it.
    assert first.engine.transactional_id(TopicPartition("t", 2)) == (
        f"{kafka.topic_prefix}ketenbus-translator-t-2"
    )


async def test_a_partition_whose_producer_is_fenced_is_taken_back_from_its_commit(
    kafka: KafkaSettings, caplog: pytest.LogCaptureFixture
) -> None:
    translator = maasdal_translator(kafka)
    stopping = asyncio.Event()
    task = asyncio.create_task(translator.run(stopping))
    try:
        await send_raw(kafka, range(30))
        await read_records(kafka, kafka.topics.orders, 30, within=60)
        # Another producer takes partition 0's transactional id, as its next owner would.
        tp = TopicPartition(kafka.topics.raw("maasdal"), 0)
        usurper = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap_servers,
            transactional_id=translator.engine.transactional_id(tp),
            enable_idempotence=True,
        )
        await usurper.start()
        await usurper.stop()
        with caplog.at_level(logging.WARNING, logger="kit.engine.transactional"):
            await send_raw(kafka, range(30, 90))
            records = await read_records(kafka, kafka.topics.orders, 90, within=60)
    finally:
        stopping.set()
        await task

    assert event_ids(records) == expected_ids(range(90))
    fenced = [r.getMessage() for r in caplog.records if "taken over" in r.getMessage()]
    assert fenced == [
        f"translator: partition {tp.topic}-0 was taken over by another instance "
        "(ProducerFenced); giving it up"
    ]
    assert not [r for r in caplog.records if r.exc_info]


async def test_records_read_ahead_of_a_rebalance_are_not_used_after_it() -> None:
    engine = maasdal_translator(KafkaSettings(topic_prefix="unit.")).engine
    ahead = _Batch([], engine._generation)

    engine._ahead = ahead
    assert engine._take_ahead() is ahead

    engine._ahead = ahead
    await engine._revoked(set())
    assert engine._take_ahead() is None
    assert engine._ahead is None
