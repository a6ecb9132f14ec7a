"""The translator's memory of the event ids it wrote, without a broker: what a re-sent
message writes, what a dropped batch leaves behind, and how long an id is remembered.
Reading the memory back from its topic is proven on the broker
(``test_translator_resend.py``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from connectors import remembered_ids
from connectors import seen as seen_module
from connectors.registry import partners
from connectors.seen import BUCKET_SECONDS, ID_BYTES, RECEIVED_BYTES, SeenIds, id_bytes
from connectors.translator import DUPLICATE, Translator
from contracts import KafkaSettings, event_id
from tests.connectors.raw_records import consumed as raw_record
from tests.maasdal_stream import message

KAFKA = KafkaSettings(topic_prefix="unit.")
RAW = KAFKA.topics.raw("maasdal")
SEEN = KAFKA.topics.translate_seen("maasdal")
NOW = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
TP = TopicPartition(RAW, 2)


def ids(*numbers: int) -> list[str]:
    return [event_id("maasdal", f"TX-{n:04d}", 0) for n in numbers]


def seen(*, remember_days: float = 7) -> SeenIds:
    return SeenIds(KAFKA, {RAW: SEEN}, remember_days=remember_days, clock=NOW.timestamp)


def test_an_id_claimed_before_is_left_out_and_a_repeat_within_a_record_counts_once() -> None:
    memory = seen()
    first, second, third = ids(1, 2, 3)

    assert memory.claim(RAW, 2, NOW, [first, second]) == [0, 1]
    assert memory.claim(RAW, 2, NOW, [second, third, third]) == [1]
    assert memory.duplicates == 2
    assert memory.remembered == 3
    # Another raw partition has a memory of its own (a re-sent message comes back to
    # the same partition: the ingress keys it as the first time).
    assert memory.claim(RAW, 0, NOW, [first]) == [0]


def test_a_batch_writes_one_state_record_to_the_partition_of_its_raw_partition() -> None:
    memory = seen()
    first, second = ids(1, 2)
    memory.claim(RAW, 2, NOW - timedelta(minutes=5), [first])
    memory.claim(RAW, 2, NOW, [second])

    (output,) = memory.outputs_for(TP, next_offset=40)

    assert (output.topic, output.partition, output.kind) == (SEEN, 2, "state")
    assert output.record.key == id_bytes(first)
    value = output.record.value
    assert int.from_bytes(value[:RECEIVED_BYTES], "big") == int(NOW.timestamp() * 1000)
    assert value[RECEIVED_BYTES:] == id_bytes(first) + id_bytes(second)
    assert len(value) == RECEIVED_BYTES + 2 * ID_BYTES
    assert memory.outputs_for(TP, next_offset=41) == []  # nothing claimed since


async def test_a_dropped_batch_is_forgotten_and_a_committed_one_kept() -> None:
    memory = seen()
    committed, dropped, failed_midway = ids(1, 2, 3)
    memory.claim(RAW, 2, NOW, [committed])
    memory.outputs_for(TP, next_offset=10)
    memory.claim(RAW, 2, NOW, [dropped])  # the read-ahead
    memory.outputs_for(TP, next_offset=20)
    memory.committed(TP, 10)
    memory.claim(RAW, 2, NOW, [failed_midway])  # a batch whose transform raised
    await memory.read_again({TP})

    assert memory.claim(RAW, 2, NOW, [committed, dropped, failed_midway]) == [1, 2]


async def test_claims_of_a_committed_batch_stay_when_records_are_read_again() -> None:
    # committed() ends a batch's claims as pending: read_again after it keeps them.
    memory = seen()
    (only,) = ids(1)
    memory.claim(RAW, 2, NOW, [only])
    memory.outputs_for(TP, next_offset=10)
    memory.committed(TP, 10)
    await memory.read_again({TP})

    assert memory.claim(RAW, 2, NOW, [only]) == []


def test_a_partition_given_up_is_forgotten() -> None:
    memory = seen()
    memory.claim(RAW, 2, NOW, ids(1, 2))
    memory.claim(RAW, 0, NOW, ids(3))

    memory.release({TP})

    assert memory.remembered == 1
    assert memory.outputs_for(TP, next_offset=5) == []


def test_an_id_is_remembered_for_remember_days_after_its_receipt_by_the_hour() -> None:
    clock = [NOW.timestamp()]
    memory = SeenIds(KAFKA, {RAW: SEEN}, remember_days=1, clock=lambda: clock[0])
    (old,) = ids(1)
    # Received more than a day ago: written, and not remembered (it would be forgotten
    # at once).
    assert memory.claim(RAW, 2, NOW - timedelta(days=1, hours=1), [old]) == [0]
    assert memory.claim(RAW, 2, NOW - timedelta(days=1, hours=1), [old]) == [0]
    assert memory.remembered == 0

    (recent,) = ids(2)
    assert memory.claim(RAW, 2, NOW, [recent]) == [0]
    clock[0] += 86_400  # a day on, in the same hour: still remembered
    assert memory.claim(RAW, 2, NOW, [recent]) == []
    clock[0] += BUCKET_SECONDS  # the hour after: its bucket is dropped
    assert memory.claim(RAW, 2, NOW, [recent]) == [0]


def test_a_large_memory_is_sealed_and_knows_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seen_module, "SEAL_ABOVE", 6)
    monkeypatch.setattr(seen_module, "SEAL_CHECK_EVERY", 1)
    monkeypatch.setattr(remembered_ids, "SEAL_MIN", 4)
    memory = seen()
    for number in range(8):
        memory.claim(RAW, 2, NOW, ids(number))

    sealed = memory._memory[RAW, 2].sealed
    assert sealed is not None
    assert memory.remembered == 8
    assert memory.claim(RAW, 2, NOW, ids(*range(10))) == [8, 9]


def consumed(body: bytes) -> ConsumerRecord[bytes, bytes]:
    return raw_record(replace(message(7), body=body, received_at=NOW), RAW, partition=1, offset=12)


def maasdal_translator() -> Translator:
    translator = Translator(KAFKA, {"maasdal": partners()["maasdal"].inbound})
    translator.seen._clock = NOW.timestamp  # the test's own now
    return translator


def test_a_re_sent_message_is_a_duplicate_that_writes_nothing() -> None:
    translator = maasdal_translator()
    body = message(7).body

    (event,) = translator.translate(consumed(body)).outputs
    again = translator.translate(consumed(body))

    assert event.topic == KAFKA.topics.orders
    assert (again.outcome, again.outputs) == (DUPLICATE, [])
    assert translator.seen.duplicates == 1


def test_a_dead_lettered_message_is_not_remembered_so_its_fix_is_translated() -> None:
    translator = maasdal_translator()
    broken = message(7).body.replace(b"Opdracht geaccepteerd", b"Opdracht \\ud800 geaccepteerd")

    (letter,) = translator.translate(consumed(broken)).outputs
    (event,) = translator.translate(consumed(message(7).body)).outputs

    assert letter.topic == KAFKA.topics.deadletter("translate")
    assert event.topic == KAFKA.topics.orders
    assert translator.seen.duplicates == 0
