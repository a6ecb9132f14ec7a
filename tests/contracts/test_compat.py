"""The compatibility checker: it refuses changes that break a v1 consumer, and only those.

Each breaking case changes the committed schema the way a developer could change the
model (a field removed, retyped, made required, a code list narrowed, ...).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Literal

import pytest

from contracts import FACT_TYPES, DicoDetail, OrderInterrupted
from contracts.compat import breaking_changes
from contracts.schema import committed_schema, model_schema, schema_of

Schema = dict[str, Any]


@pytest.mark.parametrize("fact_type", sorted(FACT_TYPES))
def test_the_models_are_compatible_with_the_committed_v1(fact_type: str) -> None:
    assert breaking_changes(committed_schema(fact_type), schema_of(fact_type)) == []


def _changed(fact_type: str, change: Callable[[Schema], None]) -> tuple[Schema, Schema]:
    old = committed_schema(fact_type)
    new = copy.deepcopy(old)
    change(new)
    return old, new


def _remove_note(schema: Schema) -> None:
    del schema["properties"]["note"]


def _retype_hours(schema: Schema) -> None:
    schema["$defs"]["HourLine"]["properties"]["hours"] = {"type": "number"}


def _require_note(schema: Schema) -> None:
    schema["required"].append("note")


def _drop_a_code(schema: Schema) -> None:
    reason = schema["properties"]["reason"]["anyOf"][0]
    reason["enum"].remove("AFW")


def _nullable_order_number(schema: Schema) -> None:
    number = schema["properties"].pop("order_number")
    schema["properties"]["order_number"] = {"anyOf": [number, {"type": "null"}]}


def _no_longer_nullable_note(schema: Schema) -> None:
    schema["properties"]["note"] = {"type": "string", "x-classification": "personal"}


def _tighter_pattern(schema: Schema) -> None:
    schema["properties"]["order_number"]["pattern"] = r"^WL-2026-\d{6}$"


def _unrequire_order_number(schema: Schema) -> None:
    schema["required"].remove("order_number")


def _closed(schema: Schema) -> None:
    schema["additionalProperties"] = False


@pytest.mark.parametrize(
    ("fact_type", "change", "expected"),
    [
        ("order.accepted", _remove_note, ["$.note: removed"]),
        (
            "order.technically-completed",
            _retype_hours,
            ["$.hours[].hours: type string became number"],
        ),
        ("order.accepted", _require_note, ["$.note: newly required (v1 events lack it)"]),
        (
            "order.interrupted",
            _drop_a_code,
            ["$.reason: codes removed from the list: AFW"],
        ),
        (
            "order.accepted",
            _nullable_order_number,
            ["$.order_number: may now be a null value, new to a v1 reader"],
        ),
        (
            "order.accepted",
            _no_longer_nullable_note,
            ["$.note: a null value is no longer accepted"],
        ),
        (
            "order.accepted",
            _tighter_pattern,
            ["$.order_number: pattern changed to '^WL-2026-\\\\d{6}$'"],
        ),
        (
            "order.accepted",
            _unrequire_order_number,
            ["$.order_number: no longer required (a v1 reader relies on it)"],
        ),
        ("order.accepted", _closed, ["$: closed to fields it does not list"]),
    ],
)
def test_a_breaking_change_is_refused(
    fact_type: str, change: Callable[[Schema], None], expected: list[str]
) -> None:
    old, new = _changed(fact_type, change)
    assert breaking_changes(old, new) == expected


def test_a_narrowed_code_list_in_the_model_is_refused() -> None:
    """The same, from a model: OND reasons narrowed to the ones VERA maps."""

    class NarrowerInterrupted(OrderInterrupted):
        reason: Literal[DicoDetail.BNT, DicoDetail.MIB] | None = None

    new = model_schema(NarrowerInterrupted)
    assert breaking_changes(committed_schema("order.interrupted"), new) == [
        "$.reason: codes removed from the list: OHD, THD, AFH, AFN, BBT, AFR, AVW, AWE, AFW, "
        "VBW, QUR"
    ]


def _add_optional_field(schema: Schema) -> None:
    schema["properties"]["priority"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}


def _add_a_code(schema: Schema) -> None:
    schema["$defs"]["MaterialLine"]["properties"]["unit"]["enum"].append("CM")


def _reword(schema: Schema) -> None:
    schema["properties"]["note"]["description"] = "Anything the partner wrote."
    schema["examples"] = []


@pytest.mark.parametrize(
    ("fact_type", "change"),
    [
        ("order.accepted", _add_optional_field),
        ("order.technically-completed", _add_a_code),
        ("order.accepted", _reword),
    ],
)
def test_a_compatible_change_passes(fact_type: str, change: Callable[[Schema], None]) -> None:
    old, new = _changed(fact_type, change)
    assert breaking_changes(old, new) == []
