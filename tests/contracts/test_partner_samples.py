"""Every partner sample translates into valid events of this contract.

For every registered partner, each sample in connectors/<partner>/samples goes
through its adapter; every event must validate against its committed JSON Schema,
be read by the CNCF CloudEvents SDK, and read back by ketenbus unchanged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat

from connectors.adapter import as_translation
from connectors.registry import partners
from contracts import CanonicalEvent, RawMessage
from contracts.asyncapi import PARTNERS
from contracts.schema import committed_schema
from tests.samples import samples_dir

CHANNELS = {"maasdal": "webhook", "heuvelland": "file", "gulpdal": "file", "roerdal": "poll"}
VALIDATOR = jsonschema.Draft202012Validator


def _raws(partner: str) -> list[RawMessage]:
    """The raw records an ingress channel writes for the partner's samples: a file or a
    webhook body each, and for Roerdal's polled pages one record per mutatie."""
    found = []
    for path in sorted(samples_dir(partner).iterdir()):
        bodies = [path.read_bytes()]
        if partner == "roerdal":
            page = json.loads(bodies[0])
            bodies = [json.dumps(mutatie).encode() for mutatie in page["mutaties"]]
        found += [
            RawMessage(
                partner=partner,
                channel=CHANNELS[partner],
                body=body,
                received_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
                content_type=PARTNERS[partner],
                origin=path.name,
            )
            for body in bodies
        ]
    return found


@pytest.mark.parametrize("partner", sorted(partners()))
def test_every_sample_becomes_valid_events(partner: str) -> None:
    plugin = partners()[partner]
    events: list[CanonicalEvent] = []
    for raw in _raws(partner):
        translation = as_translation(plugin.inbound(raw))
        assert not translation.failures, f"{raw.origin}: {translation.failures}"
        events += translation.events
    assert events, f"no events from the samples of {partner}"
    for event in events:
        record = event.to_kafka()
        schema = committed_schema(event.fact_type)
        VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER).validate(
            json.loads(record.value)
        )
        read = ce_kafka.from_binary(
            ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value),
            JSONFormat(),
        )
        assert read.get_type() == event.type
        assert read.get_dataschema() == schema["$id"]
        assert CanonicalEvent.from_kafka(record.value, record.headers) == event
        assert event.ownership.producer == partner


def test_the_samples_cover_the_partner_facts() -> None:
    """Across the partners' samples, the facts partners send in real life all occur."""
    fact_types = set()
    for partner, plugin in partners().items():
        for raw in _raws(partner):
            fact_types |= {event.fact_type for event in as_translation(plugin.inbound(raw)).events}
    assert {
        "order.accepted",
        "order.appointment-planned",
        "order.interrupted",
        "order.lead-time-extended",
        "order.technically-completed",
        "order.invoice-submitted",
        "order.social-signal-raised",
    } <= fact_types
