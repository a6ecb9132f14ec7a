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
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationError

from contracts._errors import InvalidEnvelope, UnknownFactType, validation_problems
from contracts._facts import FACT_TYPES, OrderFact
from contracts._ids import event_id
from contracts._ownership import Ownership, classify

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
        return cls(
            id=event_id(partner, partner_message_id, fact_index),
            source=f"/partners/{partner}/{channel}",
            ownership=Ownership(
                producer=partner,
                classification=classify(fact),
                purpose=fact.purpose,
                retention=fact.retention,
            ),
            traceparent=traceparent,
            data=fact,
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
        """The event in the CloudEvents Kafka binary binding."""
        attributes = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": _rfc3339(self.time),
            "dataschema": dataschema(self.data.fact_type),
            "owner": self.ownership.owner,
            "producer": self.ownership.producer,
            "classification": self.ownership.classification.value,
            "purpose": self.ownership.purpose.value,
            "retention": self.ownership.retention,
        }
        if self.traceparent:
            attributes["traceparent"] = self.traceparent
        headers = [("content-type", CONTENT_TYPE.encode())]
        headers += [(f"ce_{name}", value.encode()) for name, value in attributes.items()]
        return KafkaRecord(
            key=self.subject.encode(),
            value=self.data.model_dump_json().encode(),
            headers=tuple(headers),
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
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
