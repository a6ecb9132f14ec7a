"""Canonical events: a fact in a CloudEvents 1.0 envelope, in the Kafka binary binding.

The fact's JSON is the record value; the envelope's attributes are ``ce_`` headers;
the record key is the order number, so all facts of one order share a partition and
stay in order. The ownership tags are CloudEvents extension attributes
(``ce_owner``, ``ce_producer``, ``ce_classification``, ``ce_purpose``,
``ce_retention``), and ``ce_traceparent`` carries the W3C trace context
(CloudEvents' distributed-tracing extension).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from contracts._errors import InvalidEnvelope, UnknownFactType, validation_problems
from contracts._facts import FACT_TYPES, OrderFact
from contracts._ids import event_id
from contracts._ownership import Classification, Ownership, Purpose, classify
from contracts._validated import validated

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
CONTRACT_VERSION = "v1"

Headers = tuple[tuple[str, bytes], ...]


def cloudevents_type(fact_type: str) -> str:
    """The CloudEvents ``type`` of a fact type, versioned: ``nl.ketenbus.order.accepted.v1``."""
    return f"nl.ketenbus.{fact_type}.{CONTRACT_VERSION}"


def dataschema(fact_type: str) -> str:
    """The id of the committed JSON Schema of a fact type's data."""
    return f"urn:ketenbus:contracts:{fact_type}:{CONTRACT_VERSION}"


F = TypeVar("F", bound=OrderFact)

_FACTS_BY_CE_TYPE = {cloudevents_type(name): model for name, model in FACT_TYPES.items()}


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on (or came off) a Kafka topic."""

    key: bytes | None
    value: bytes
    headers: Headers


class CanonicalEvent(BaseModel):
    """One canonical fact with its envelope."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str = Field(description="URI reference of the producer: /partners/<id>/<channel>.")
    ownership: Ownership
    traceparent: str | None = None
    data: SerializeAsAny[OrderFact]

    @classmethod
    def create(
        cls,
        fact: OrderFact,
        *,
        partner: str,
        channel: str,
        partner_message_id: str,
        fact_index: int = 0,
        traceparent: str | None = None,
    ) -> CanonicalEvent:
        """Wrap a fact, deriving its id and ownership tags from where it came from."""
        return validated(
            cls,
            {
                "id": event_id(partner, partner_message_id, fact_index),
                "source": f"/partners/{partner}/{channel}",
                "ownership": _ownership(partner, classify(fact), fact.purpose, fact.retention),
                "traceparent": traceparent,
                "data": fact,
            },
        )

    @property
    def fact_type(self) -> str:
        return self.data.fact_type

    @property
    def type(self) -> str:
        return cloudevents_type(self.data.fact_type)

    @property
    def subject(self) -> str:
        return self.data.order_number

    @property
    def time(self) -> datetime:
        return self.data.occurred_at

    def to_kafka(self) -> KafkaRecord:
        """The event in the CloudEvents Kafka binary binding.

        Runs for every event the translator writes, so it builds the header tuple
        directly: names and the per-type ``type``/``dataschema`` values are made once
        (:func:`_type_headers`), the five ownership headers once per combination of
        their values (:func:`_ownership_headers`), and the fact's JSON comes from its
        serializer as bytes. The record is byte for byte what a plain attribute dict
        would give (tests/connectors/test_translator_bytes.py pins it).
        """
        data = self.data
        ownership = self.ownership
        type_header, dataschema_header = _type_headers(data.fact_type)
        subject = data.order_number.encode()
        owner, producer, classification, purpose, retention = _ownership_headers(
            ownership.owner,
            ownership.producer,
            ownership.classification,
            ownership.purpose,
            ownership.retention,
        )
        headers: Headers = (
            _CONTENT_TYPE_HEADER,
            _SPECVERSION_HEADER,
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            type_header,
            ("ce_subject", subject),
            ("ce_time", _rfc3339(data.occurred_at).encode()),
            dataschema_header,
            owner,
            producer,
            classification,
            purpose,
            retention,
        )
        if self.traceparent:
            headers += (("ce_traceparent", self.traceparent.encode()),)
        return KafkaRecord(
            key=subject,
            # model_dump_json() is this call plus a decode; the record wants the bytes.
            value=data.__pydantic_serializer__.to_json(data),
            headers=headers,
        )

    @classmethod
    def from_kafka(cls, value: bytes, headers: Headers) -> CanonicalEvent:
        """Read an event back; a typed ``ContractError`` names what is wrong."""
        attributes = {
            name.removeprefix("ce_"): raw.decode("utf-8", errors="replace")
            for name, raw in headers
            if name.startswith("ce_")
        }
        missing = [
            name
            for name in ("specversion", "id", "source", "type", "producer", "classification")
            if name not in attributes
        ]
        if missing:
            raise InvalidEnvelope(f"missing CloudEvents headers: {', '.join(missing)}")
        if attributes["specversion"] != SPEC_VERSION:
            raise InvalidEnvelope(f"unsupported ce_specversion {attributes['specversion']!r}")
        model = _FACTS_BY_CE_TYPE.get(attributes["type"])
        if model is None:
            raise UnknownFactType(f"unknown ce_type {attributes['type']!r}")
        try:
            return cls(
                id=attributes["id"],
                source=attributes["source"],
                ownership=Ownership(
                    owner=attributes.get("owner", ""),
                    producer=attributes["producer"],
                    classification=attributes["classification"],
                    purpose=attributes.get("purpose", ""),
                    retention=attributes.get("retention", ""),
                ),
                traceparent=attributes.get("traceparent"),
                data=read_fact(model, value),
            )
        except ValidationError as exc:
            # Field names and what is wrong only: the input may hold personal data.
            problems = validation_problems(exc)
            raise InvalidEnvelope(f"invalid {attributes['type']}: {problems}") from None


def read_fact(model: type[F], value: bytes) -> F:
    """A fact from its JSON, exactly and tolerantly.

    Exactly: JSON numbers become ``Decimal`` without passing through a float (pydantic's
    own JSON parser reads them as floats, pydantic#9180), so an amount written as a
    number by another producer keeps every digit and a third decimal is refused, not
    rounded away. Tolerantly: fields this version does not know are ignored, so a
    reader keeps working when a later minor release of v1 adds an optional field.
    """
    try:
        document = json.loads(value, parse_float=Decimal)
    except ValueError:
        raise InvalidEnvelope(f"{model.fact_type}: the value is not JSON") from None
    return model.model_validate(document, extra="ignore")


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is not UTC:  # a fact's times are UTC already (UtcDatetime)
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


_CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE.encode())
_SPECVERSION_HEADER = ("ce_specversion", SPEC_VERSION.encode())


@cache
def _type_headers(fact_type: str) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """The ``ce_type`` and ``ce_dataschema`` headers of a fact type, made once per type."""
    return (
        ("ce_type", cloudevents_type(fact_type).encode()),
        ("ce_dataschema", dataschema(fact_type).encode()),
    )


@lru_cache(maxsize=256)
def _ownership_headers(
    owner: str, producer: str, classification: str, purpose: str, retention: str
) -> tuple[tuple[str, bytes], ...]:
    """The five ownership headers, made once per combination of their values (the
    whole key: nothing of one event's own data is in them)."""
    return (
        ("ce_owner", owner.encode()),
        ("ce_producer", producer.encode()),
        ("ce_classification", classification.encode()),
        ("ce_purpose", purpose.encode()),
        ("ce_retention", retention.encode()),
    )


@lru_cache(maxsize=256)
def _ownership(
    producer: str, classification: Classification, purpose: Purpose, retention: str
) -> Ownership:
    """The ownership tags, validated once per combination: they are frozen, and a
    partner's events share a handful of combinations (one per fact type and class)."""
    return Ownership(
        producer=producer, classification=classification, purpose=purpose, retention=retention
    )
