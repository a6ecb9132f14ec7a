"""The committed JSON Schemas: equal to the models, valid, and matching every payload."""

from __future__ import annotations

import json

import jsonschema
import pytest

from contracts import FACT_TYPES, CanonicalEvent
from contracts.examples import EXAMPLE_EVENTS
from contracts.schema import (
    RECORDS,
    REGENERATE,
    SCHEMA_DIR,
    committed_schema,
    drifted,
    schema_file,
)

VALIDATOR = jsonschema.Draft202012Validator


def test_committed_schemas_equal_the_models() -> None:
    problems = drifted()
    assert not problems, (
        f"contracts/schemas/ differs from the models ({'; '.join(problems)}): "
        f"run `{REGENERATE}` (or `make contracts`) and commit the result"
    )


def test_one_schema_file_per_fact_type_and_record() -> None:
    assert sorted(path.name for path in SCHEMA_DIR.glob("*.json")) == sorted(
        f"{name}.v1.json" for name in [*FACT_TYPES, *RECORDS]
    )
    assert sorted(RECORDS) == ["dwh.order-fact", "dwh.signal-count", "workorder"]


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_every_record_schema_is_valid_and_holds_its_example(name: str) -> None:
    schema = committed_schema(name)
    VALIDATOR.check_schema(schema)
    assert schema["$id"] == f"urn:ketenbus:contracts:{name}:v1"
    assert schema["x-ketenbus"]["topic"] == RECORDS[name].topic
    validator = VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER)
    (example,) = schema["examples"]
    validator.validate(example)


@pytest.mark.parametrize(
    ("name", "change", "keyword"),
    [
        ("dwh.order-fact", {"order": "WL-2026-004711"}, "pattern"),  # not a pseudonym
        ("dwh.order-fact", {"material_amount": 45.15}, "anyOf"),  # an amount as a float
        ("dwh.order-fact", {"id": "F-1"}, "format"),
        ("dwh.signal-count", {"count": 0}, "minimum"),
        ("dwh.signal-count", {"month": "2026-13"}, "pattern"),
        ("workorder", {"id": "4800"}, "pattern"),
        ("workorder", {"uitersteGereeddatum": "2026-12-04T23:59:59"}, "format"),  # no offset
    ],
)
def test_the_record_schemas_refuse_what_they_do_not_allow(
    name: str, change: dict[str, object], keyword: str
) -> None:
    schema = committed_schema(name)
    validator = VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER)
    errors = list(validator.iter_errors({**schema["examples"][0], **change}))
    assert [error.validator for error in errors] == [keyword]


@pytest.mark.parametrize("fact_type", sorted(FACT_TYPES))
def test_every_payload_validates_against_its_committed_schema(fact_type: str) -> None:
    schema = committed_schema(fact_type)
    VALIDATOR.check_schema(schema)
    record = EXAMPLE_EVENTS[fact_type].to_kafka()
    headers = dict(record.headers)
    assert schema["$id"] == headers["ce_dataschema"].decode()
    assert schema["x-ketenbus"]["type"] == headers["ce_type"].decode()
    validator = VALIDATOR(schema, format_checker=VALIDATOR.FORMAT_CHECKER)
    validator.validate(json.loads(record.value))
    for example in schema["examples"]:
        validator.validate(example)


def _payload(fact_type: str) -> dict[str, object]:
    value: dict[str, object] = json.loads(EXAMPLE_EVENTS[fact_type].to_kafka().value)
    return value


@pytest.mark.parametrize(
    ("fact_type", "change", "keyword"),
    [
        # An amount as a JSON number: readers would go through a float.
        ("order.invoice-submitted", {"total_incl_vat": 207.15}, "type"),
        ("order.invoice-submitted", {"total_incl_vat": "207.155"}, "pattern"),
        ("order.interrupted", {"reason": "XYZ"}, "anyOf"),
        ("order.accepted", {"occurred_at": "26-11-2026 08:02"}, "format"),
        ("order.accepted", {"order_number": "4711"}, "pattern"),
    ],
)
def test_the_schemas_refuse_what_ketenbus_never_writes(
    fact_type: str, change: dict[str, object], keyword: str
) -> None:
    validator = VALIDATOR(committed_schema(fact_type), format_checker=VALIDATOR.FORMAT_CHECKER)
    errors = list(validator.iter_errors({**_payload(fact_type), **change}))
    assert [error.validator for error in errors] == [keyword]


def test_a_reader_of_the_committed_schema_ignores_fields_added_later() -> None:
    """Objects are open: a payload of a later minor release still validates, and
    ketenbus's own reader ignores the field it does not know."""
    record = EXAMPLE_EVENTS["order.accepted"].to_kafka()
    later = json.dumps({**json.loads(record.value), "priority": "high"}).encode()
    VALIDATOR(committed_schema("order.accepted")).validate(json.loads(later))
    assert CanonicalEvent.from_kafka(later, record.headers) == EXAMPLE_EVENTS["order.accepted"]


def test_schema_files_are_named_after_the_type_and_version() -> None:
    assert schema_file("order.accepted").name == "order.accepted.v1.json"
