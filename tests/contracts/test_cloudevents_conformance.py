"""An independent implementation reads what ketenbus writes: the CNCF CloudEvents SDK.

Every fact type, one realistic event each, through the Kafka binary binding of both
APIs of the SDK (``cloudevents.core``, and the older ``cloudevents.v1``), and back:
an event the SDK writes is one ketenbus reads.
"""

from __future__ import annotations

import json

import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.v1 import kafka as ce_kafka_v1

from contracts import CanonicalEvent
from contracts.examples import EXAMPLE_EVENTS, TRACEPARENT

EXTENSIONS = ("owner", "producer", "classification", "purpose", "retention", "traceparent")


def _message(event: CanonicalEvent) -> ce_kafka.KafkaMessage:
    record = event.to_kafka()
    names = [name for name, _ in record.headers]
    assert len(names) == len(set(names)), "a header written twice"
    return ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)


@pytest.mark.parametrize("fact_type", sorted(EXAMPLE_EVENTS))
def test_the_sdk_reads_every_event_ketenbus_writes(fact_type: str) -> None:
    event = EXAMPLE_EVENTS[fact_type]
    message = _message(event)
    read = ce_kafka.from_binary(message, JSONFormat())

    assert read.get_specversion() == "1.0"
    assert read.get_id() == event.id
    assert read.get_source() == event.source
    assert read.get_type() == f"nl.ketenbus.{fact_type}.v1"
    assert read.get_subject() == event.data.order_number
    assert read.get_time() == event.time
    assert read.get_dataschema() == f"urn:ketenbus:contracts:{fact_type}:v1"
    assert read.get_datacontenttype() == "application/json"
    assert read.get_extension("partitionkey") == event.data.order_number
    assert {name: read.get_extension(name) for name in EXTENSIONS} == {
        "owner": "corporation",
        "producer": event.ownership.producer,
        "classification": event.ownership.classification.value,
        "purpose": event.ownership.purpose.value,
        "retention": event.ownership.retention,
        "traceparent": TRACEPARENT,
    }
    assert read.get_data() == json.loads(message.value)


@pytest.mark.parametrize("fact_type", sorted(EXAMPLE_EVENTS))
def test_ketenbus_reads_every_event_the_sdk_writes(fact_type: str) -> None:
    event = EXAMPLE_EVENTS[fact_type]
    read = ce_kafka.from_binary(_message(event), JSONFormat())
    written = ce_kafka.to_binary(read, JSONFormat())
    headers = tuple((name, value) for name, value in written.headers.items())
    assert written.key == event.data.order_number
    assert CanonicalEvent.from_kafka(written.value, headers) == event


@pytest.mark.parametrize("fact_type", sorted(EXAMPLE_EVENTS))
def test_the_older_sdk_api_reads_them_too(fact_type: str) -> None:
    event = EXAMPLE_EVENTS[fact_type]
    record = event.to_kafka()
    message = ce_kafka_v1.KafkaMessage(
        headers=dict(record.headers), key=record.key, value=record.value
    )
    read = ce_kafka_v1.from_binary(message)
    assert read["id"] == event.id
    assert read["type"] == f"nl.ketenbus.{fact_type}.v1"
    assert read["subject"] == event.data.order_number
    assert read["classification"] == event.ownership.classification.value
    assert read.get_data() == json.loads(record.value)
