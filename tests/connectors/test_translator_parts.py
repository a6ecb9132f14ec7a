"""The translator with adapters that report bad parts of a raw record (batch files).

``Translator._translate`` is the pure step between a consumed record and what goes into
the transaction; the Kafka side of the translator is covered by the integration tests.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import ConsumerRecord

from connectors.adapter import Translation
from connectors.errors import InvalidMessage, UnsupportedMessage
from connectors.translator import MAX_PART_DEAD_LETTERS, Translator
from contracts import (
    CanonicalEvent,
    DeadLetterHeader,
    KafkaSettings,
    OrderAccepted,
    RawMessage,
    context_of,
)
from tests.connectors.raw_records import consumed

KAFKA = KafkaSettings(topic_prefix="unit.")
BODY = b"<batch>original bytes</batch>"


def record() -> ConsumerRecord[bytes, bytes]:
    raw = RawMessage(
        partner="batchy",
        channel="file",
        body=BODY,
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        origin="batch_0001.xml",
    )
    return consumed(raw, KAFKA.topics.raw("batchy"), partition=2, offset=41)


def accepted(message_id: str) -> CanonicalEvent:
    fact = OrderAccepted(
        order_number="WL-2026-000001", occurred_at=datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    )
    return CanonicalEvent.create(
        fact, partner="batchy", channel="file", partner_message_id=message_id
    )


def translate_with(result: Translation) -> list:
    translator = Translator(KAFKA, {"batchy": lambda raw: result})
    return translator.translate(record()).outputs


def test_good_parts_become_events_and_each_bad_part_its_own_dead_letter() -> None:
    outputs = translate_with(
        Translation(
            events=[accepted("B-1"), accepted("B-3")],
            failures=[
                InvalidMessage("Status/@code: unknown code", message_id="B-2"),
                UnsupportedMessage("soort Offerte is not translated", message_id="B-4"),
            ],
        )
    )

    assert [o.topic for o in outputs] == [
        KAFKA.topics.orders,
        KAFKA.topics.orders,
        KAFKA.topics.deadletter("translate"),
        KAFKA.topics.deadletter("translate"),
    ]
    letters = [context_of(o.record.headers) for o in outputs[2:]]
    assert [(c[DeadLetterHeader.MESSAGE_ID], c[DeadLetterHeader.EXCEPTION]) for c in letters] == [
        ("B-2", "InvalidMessage"),
        ("B-4", "UnsupportedMessage"),
    ]
    assert letters[0][DeadLetterHeader.MESSAGE] == "Status/@code: unknown code"
    assert letters[0][DeadLetterHeader.OFFSET] == "41"
    assert letters[0][DeadLetterHeader.PARTNER] == "batchy"
    # The whole original stays in each dead letter, so it can be replayed after a fix.
    assert all(o.record.value == BODY for o in outputs[2:])


def test_a_plain_list_is_still_a_translation_without_failures() -> None:
    translator = Translator(KAFKA, {"batchy": lambda raw: [accepted("B-1")]})
    (output,) = translator.translate(record()).outputs
    assert output.topic == KAFKA.topics.orders


def test_many_bad_parts_are_capped_with_one_letter_naming_the_rest() -> None:
    failures = [InvalidMessage("bad", message_id=f"B-{n}") for n in range(1, 31)]
    outputs = translate_with(Translation(events=[], failures=failures))

    assert len(outputs) == MAX_PART_DEAD_LETTERS
    last = context_of(outputs[-1].record.headers)
    rest = 30 - (MAX_PART_DEAD_LETTERS - 1)
    assert last[DeadLetterHeader.MESSAGE_ID] == f"{rest} more"
    assert last[DeadLetterHeader.MESSAGE].startswith(f"{rest} more bad parts (InvalidMessage): ")
    assert last[DeadLetterHeader.MESSAGE].endswith("B-29, B-30")
