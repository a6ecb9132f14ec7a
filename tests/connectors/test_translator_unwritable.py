"""A message whose events cannot be written becomes a dead letter; the translator goes on.

A JSON escape can carry a lone UTF-16 surrogate (``"\\ud800"``) into a note: Maasdal's
adapter accepts the text, but the event cannot be written as UTF-8. That used to raise
out of the translator's loop, stopping translation for every partner, and again after
each restart (the record is read again): a poison message.
"""

from __future__ import annotations

from dataclasses import replace

from aiokafka import ConsumerRecord

from connectors.registry import partners
from connectors.translator import Translator
from contracts import DeadLetterHeader, KafkaSettings, context_of
from tests.connectors.raw_records import consumed as raw_record
from tests.maasdal_stream import message

KAFKA = KafkaSettings(topic_prefix="unit.")


def consumed(body: bytes) -> ConsumerRecord[bytes, bytes]:
    return raw_record(
        replace(message(7), body=body), KAFKA.topics.raw("maasdal"), partition=1, offset=12
    )


def test_an_event_that_cannot_be_written_is_a_dead_letter_with_the_original() -> None:
    body = message(7).body.replace(b"Opdracht geaccepteerd", b"Opdracht \\ud800 geaccepteerd")
    translator = Translator(KAFKA, {"maasdal": partners()["maasdal"].inbound})

    (output,) = translator.translate(consumed(body)).outputs

    assert output.topic == KAFKA.topics.deadletter("translate")
    assert output.record.value == body
    context = context_of(output.record.headers)
    assert context[DeadLetterHeader.EXCEPTION] == "PydanticSerializationError"
    assert context[DeadLetterHeader.MESSAGE] == "unexpected adapter error"
    assert context[DeadLetterHeader.OFFSET] == "12"


def test_the_same_message_without_the_surrogate_is_an_event() -> None:
    translator = Translator(KAFKA, {"maasdal": partners()["maasdal"].inbound})

    (output,) = translator.translate(consumed(message(7).body)).outputs

    assert output.topic == KAFKA.topics.orders


def test_a_message_id_with_a_lone_surrogate_is_a_dead_letter_naming_it_escaped() -> None:
    # pydantic refuses the surrogate in berichtId; the dead letter names the part by the
    # id as sent, and a header cannot hold a lone surrogate as UTF-8 (this used to raise
    # out of translate(), failing the whole batch every time it was read).
    body = message(7).body.replace(b'"TX-0007"', b'"MD-\\ud800"')
    translator = Translator(KAFKA, {"maasdal": partners()["maasdal"].inbound})

    (output,) = translator.translate(consumed(body)).outputs

    assert output.topic == KAFKA.topics.deadletter("translate")
    context = context_of(output.record.headers)
    assert context[DeadLetterHeader.EXCEPTION] == "InvalidMessage"
    assert context[DeadLetterHeader.MESSAGE_ID] == "MD-\\ud800"
