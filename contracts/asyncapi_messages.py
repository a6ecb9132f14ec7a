"""The AsyncAPI 3 message objects of ketenbus's topics: headers, key, payload, example.

What FastStream cannot say about a message: the CloudEvents ``ce_`` headers of a
canonical fact (with its ``ce_type`` and ``ce_dataschema`` fixed), the raw records'
``kb_`` headers, the dead letters' Kafka Connect headers.
"""

from __future__ import annotations

import json
from typing import Any

from contracts._envelope import CONTENT_TYPE, SPEC_VERSION, cloudevents_type, dataschema
from contracts._facts import FACT_TYPES
from contracts._ownership import OWNER, Classification
from contracts.deadletter import DeadLetterHeader
from contracts.dwh import EXAMPLE_RECORDS, ORDER_FACT, SOURCE, ce_headers
from contracts.examples import EXAMPLE_EVENTS
from contracts.raw import RawHeader
from contracts.schema import RECORDS

_KAFKA_BINDING = "0.4.0"
_ORDER_KEY = {"type": "string", "pattern": r"^WL-\d{4}-\d{6}$", "description": "The order number."}
_STRING = {"type": "string"}


def canonical_message(fact_type: str) -> dict[str, Any]:
    """One canonical fact type: its CloudEvents headers, key, payload schema, example."""
    model = FACT_TYPES[fact_type]
    event = EXAMPLE_EVENTS[fact_type]
    record = event.to_kafka()
    headers = {
        "content-type": {"const": CONTENT_TYPE},
        "ce_specversion": {"const": SPEC_VERSION},
        "ce_id": {
            "type": "string",
            "format": "uuid",
            "description": "Deterministic (the same for a re-sent partner message, a retry "
            "and a replay): deduplicate by it.",
        },
        "ce_source": {
            "type": "string",
            "description": "/partners/<partner>/<channel>, or /corporation/<system>/<channel>.",
        },
        "ce_type": {"const": cloudevents_type(fact_type)},
        "ce_subject": {**_ORDER_KEY},
        "ce_time": {"type": "string", "format": "date-time", "description": "When, in UTC."},
        "ce_dataschema": {"const": dataschema(fact_type)},
        "ce_owner": {"const": OWNER},
        "ce_producer": {"type": "string", "description": "The partner (or system) it came from."},
        "ce_classification": {
            "enum": [classification.value for classification in Classification],
            "description": "The most sensitive marked field that holds a value.",
        },
        "ce_purpose": {"const": model.purpose.value},
        "ce_retention": {"const": model.retention, "description": "ISO 8601 duration."},
        "ce_traceparent": {"type": "string", "description": "W3C trace context."},
    }
    return {
        "name": cloudevents_type(fact_type),
        "title": model.__name__,
        "summary": (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "),
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "required": [name for name in headers if name != "ce_traceparent"],
            "properties": headers,
        },
        "payload": {"$ref": f"#/components/schemas/{fact_type}.v1"},
        "bindings": {"kafka": {"key": _ORDER_KEY, "bindingVersion": _KAFKA_BINDING}},
        "examples": [
            {
                "name": fact_type,
                "headers": {name: value.decode() for name, value in record.headers},
                "payload": json.loads(record.value),
            }
        ],
    }


_PSEUDONYM_KEY = {
    "type": "string",
    "pattern": "^[0-9a-f]{64}$",
    "description": "The order's pseudonym.",
}
_COUNT_KEY = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}/[A-Z]+/\d+$",
    "description": "<month>/<category>/<source partition>.",
}


def dwh_message(name: str) -> dict[str, Any]:
    """A record of the data warehouse: its CloudEvents headers, key and schema."""
    record = RECORDS[name]
    example = EXAMPLE_RECORDS[name].to_json()
    order_fact = name == ORDER_FACT
    key = example["order"] if order_fact else "2026-11/VERWAARLOZING/0"
    example_headers = ce_headers(
        name,
        id=example["id"] if order_fact else f"{key}#{example['count']}",
        subject=key,
        time=example["occurred_at"] if order_fact else "2026-10-31T23:00:00Z",
    )
    headers = {
        "content-type": {"const": CONTENT_TYPE},
        "ce_specversion": {"const": SPEC_VERSION},
        "ce_id": {
            "type": "string",
            "description": "The canonical event id: one record per id on the topic."
            if order_fact
            else "<key>#<count>.",
        },
        "ce_source": {"const": SOURCE},
        "ce_type": {"const": cloudevents_type(name)},
        "ce_subject": {"type": "string", "description": "The key."},
        "ce_time": {
            "type": "string",
            "format": "date-time",
            "description": "When the fact happened, in UTC."
            if order_fact
            else "The start of the month (Dutch time), in UTC.",
        },
        "ce_dataschema": {"const": dataschema(name)},
    }
    return {
        "name": cloudevents_type(name),
        "title": record.model.__name__,
        "summary": record.description,
        "contentType": CONTENT_TYPE,
        "headers": {"type": "object", "required": list(headers), "properties": headers},
        "payload": {"$ref": f"#/components/schemas/{name}.v1"},
        "bindings": {
            "kafka": {
                "key": _PSEUDONYM_KEY if order_fact else _COUNT_KEY,
                "bindingVersion": _KAFKA_BINDING,
            }
        },
        "examples": [
            {
                "name": name,
                "headers": {header: value.decode() for header, value in example_headers},
                "payload": example,
            }
        ],
    }


def workorder_message() -> dict[str, Any]:
    """A work order of the maintenance system, as ketenbus reads it (no CloudEvents)."""
    record = RECORDS["workorder"]
    return {
        "name": "vera-onderhoudsorder",
        "title": "Onderhoudsorder",
        "summary": record.description,
        "contentType": CONTENT_TYPE,
        "payload": {"$ref": "#/components/schemas/workorder.v1"},
        "bindings": {"kafka": {"key": _ORDER_KEY, "bindingVersion": _KAFKA_BINDING}},
        "examples": [{"name": "workorder", "payload": record.example}],
    }


def raw_message(partner: str, content_type: str) -> dict[str, Any]:
    """A partner's original, as its ingress channel stored it."""
    headers = {
        RawHeader.PARTNER: {"const": partner},
        RawHeader.CHANNEL: {"type": "string", "enum": ["webhook", "file", "poll"]},
        RawHeader.RECEIVED_AT: {"type": "string", "format": "date-time"},
        RawHeader.CONTENT_TYPE: {"type": "string", "examples": [content_type]},
        RawHeader.ORIGIN: {"type": "string", "description": "A file name or a request id."},
        RawHeader.TRACEPARENT: _STRING,
    }
    return {
        "name": f"raw-{partner}",
        "title": f"An original of {partner}",
        "summary": "The bytes the partner sent; may hold personal data.",
        "contentType": content_type,
        "headers": {"type": "object", "properties": headers},
        "payload": {"type": "string", "description": f"The original, {content_type}."},
    }


def binary_message(name: str, description: str) -> dict[str, Any]:
    """A binary record ketenbus keeps for itself."""
    return {
        "name": name,
        "title": name,
        "summary": description,
        "contentType": "application/octet-stream",
        "payload": {"type": "string", "format": "binary", "description": description},
    }


def dead_letter_message(stage: str) -> dict[str, Any]:
    """What could not go on: the original record plus Kafka Connect's error headers."""
    names = [value for key, value in vars(DeadLetterHeader).items() if key.isupper()]
    return {
        "name": f"deadletter-{stage}",
        "title": f"A dead letter of {stage}",
        "summary": "The original key, value and headers, unchanged, plus the context: "
        "where it came from, the typed error, attempts. Never shown without a need to know.",
        "headers": {"type": "object", "properties": {name: _STRING for name in names}},
        "payload": {"type": "string", "description": "The original value, byte for byte."},
    }


def opaque_message(
    name: str, description: str, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A JSON message ketenbus keeps for itself, with the fields it has if given."""
    payload: dict[str, Any] = {"type": "object", "description": description}
    if properties:
        payload["properties"] = properties
    return {
        "name": name,
        "title": name,
        "summary": description,
        "contentType": CONTENT_TYPE,
        "payload": payload,
    }
