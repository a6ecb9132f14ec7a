"""A partner re-sends: on the real broker, each event id reaches ``keten.orders.v1``
once, also after the translator restarts (its memory is read back from
``keten.translate.seen.maasdal``), and each state record sits in the partition of the
raw partition it is about."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from connectors import remembered_ids, seen
from connectors.registry import partners
from connectors.translator import Translator
from contracts import KafkaSettings
from tests.kafka_helpers import caught_up, read_records
from tests.maasdal_stream import expected_ids, send_raw

pytestmark = pytest.mark.kafka


def maasdal_translator(kafka: KafkaSettings) -> Translator:
    return Translator(kafka, {"maasdal": partners()["maasdal"].inbound}, max_batch=10)


def event_ids(records: list) -> list[str]:
    return sorted(dict(record.headers)["ce_id"].decode() for record in records)


async def translate_until_caught_up(kafka: KafkaSettings, translator: Translator) -> None:
    stopping = asyncio.Event()
    task = asyncio.create_task(translator.run(stopping))
    try:
        await caught_up(kafka, translator.engine.group_id, kafka.topics.raw("maasdal"))
    finally:
        stopping.set()
        await task


async def test_a_re_sent_batch_is_written_once_also_by_the_next_instance(
    kafka: KafkaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Few enough ids to seal them into arrays, as a busy translator does: the next
    # instance reads them back straight into its arrays.
    monkeypatch.setattr(seen, "SEAL_ABOVE", 8)
    monkeypatch.setattr(seen, "SEAL_CHECK_EVERY", 1)
    monkeypatch.setattr(remembered_ids, "SEAL_MIN", 2)
    await send_raw(kafka, range(20))
    await send_raw(kafka, range(10))  # re-sent at once: in the same batches, or the next
    first = maasdal_translator(kafka)
    await translate_until_caught_up(kafka, first)

    # A new instance (a restart) reads the memory back: the whole batch again, and five new.
    await send_raw(kafka, range(25))
    second = maasdal_translator(kafka)
    await translate_until_caught_up(kafka, second)

    records = await read_records(kafka, kafka.topics.orders, 25)
    assert event_ids(records) == expected_ids(range(25))
    assert (first.stats.records, first.stats.outcomes["duplicate"]) == (30, 10)
    assert (second.stats.records, second.stats.outcomes["duplicate"]) == (25, 20)
    assert second.stats.outcomes["translated"] == 5

    # The memory: every id once, each in the partition number of its raw record's.
    state = await read_records(kafka, kafka.topics.translate_seen("maasdal"), 1)
    raw = await read_records(kafka, kafka.topics.raw("maasdal"), 55)
    raw_partition_of_order = {record.key: record.partition for record in raw}
    order_of = {dict(record.headers)["ce_id"].decode(): record.key for record in records}
    remembered: list[str] = []
    for record in state:
        ids = [
            str(uuid.UUID(bytes=record.value[i : i + 16])) for i in range(8, len(record.value), 16)
        ]
        assert {raw_partition_of_order[order_of[i]] for i in ids} == {record.partition}
        remembered += ids
    assert sorted(remembered) == expected_ids(range(25))
