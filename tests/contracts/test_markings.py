"""Every text field of every fact is marked, or is a code or an identifier we know.

The walk goes through every fact model and every model nested in one. A ``str`` field
passes if it carries a marking (``Personal``, ``PersonalText``, ``SpecialCategory``,
``FreeText``), has a pattern (a code such as the NL-SfB element), or is on the
allow-list below with the reason it holds no personal data and no free text. So a
new free-text field cannot slip in unmarked: this test names it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from enum import Enum

from pydantic import BaseModel

from contracts import (
    FACT_TYPES,
    Address,
    AppointmentPlanned,
    Classification,
    HourLine,
    MaterialLine,
    OrderAccepted,
    OrderAssigned,
    OrderFact,
    SocialSignalRaised,
    TenantContact,
    field_marking,
    redact,
)
from contracts.examples import EXAMPLE_EVENTS, EXAMPLE_FACTS

IDENTIFIERS_AND_HARMLESS_TEXT: dict[tuple[str, str], str] = {
    ("OrderFact", "partner_reference"): "the partner's werkbon number, an identifier",
    ("MaterialLine", "article_number"): "the partner's article number",
    ("InvoiceSubmitted", "invoice_number"): "the partner's invoice number",
    ("OrderAssigned", "partner"): "a partner id (maasdal, ...)",
    ("OrderAssigned", "unit_code"): "the corporation's VHE code of a dwelling; the dwh keys on it",
    ("Address", "city"): "a place name alone locates no one",
}


def _text_fields(models: list[type[BaseModel]]) -> Iterator[tuple[type[BaseModel], str]]:
    """Every (model, field) of these models and the models nested in them whose type
    can hold arbitrary text, with no marking and no pattern."""
    seen: set[type[BaseModel]] = set()
    todo = list(models)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            leaves = set(_leaves(field.annotation))
            todo += [
                leaf for leaf in leaves if isinstance(leaf, type) and issubclass(leaf, BaseModel)
            ]
            if str not in leaves or field_marking(model, name) is not None:
                continue
            if any(getattr(item, "pattern", None) for item in field.metadata):
                continue
            yield _declared_in(model, name), name


def _leaves(annotation: object) -> Iterator[object]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return  # a fixed set of codes
    if origin in (typing.Union, types.UnionType, tuple, list, typing.Annotated):
        for argument in typing.get_args(annotation):
            yield from _leaves(argument)
        return
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return  # a code list
    yield annotation


def _declared_in(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The class that declares a field (so OrderFact's fields are listed once)."""
    for base in reversed(model.__mro__):
        if isinstance(base, type) and issubclass(base, BaseModel) and name in base.__annotations__:
            return base
    return model


def test_no_text_field_is_left_unmarked() -> None:
    found = {(model.__name__, name) for model, name in _text_fields(list(FACT_TYPES.values()))}
    unknown = found - set(IDENTIFIERS_AND_HARMLESS_TEXT)
    assert not unknown, (
        f"text fields without a marking: {sorted(unknown)}. Mark each Personal, "
        "PersonalText, SpecialCategory or FreeText (contracts._ownership), or, if it is "
        "an identifier, add it to IDENTIFIERS_AND_HARMLESS_TEXT with the reason"
    )
    assert found == set(IDENTIFIERS_AND_HARMLESS_TEXT), "a stale allow-list entry"


def test_the_walk_finds_a_new_unmarked_free_text_field() -> None:
    class WithRemark(OrderAccepted):
        remark: str | None = None
        lines: tuple[MaterialLine, ...] = ()

    class Nested(BaseModel):
        comment: str

    class WithNested(OrderAccepted):
        extra: Nested | None = None

    found = {(model.__name__, name) for model, name in _text_fields([WithRemark, WithNested])}
    assert found - set(IDENTIFIERS_AND_HARMLESS_TEXT) == {
        ("WithRemark", "remark"),
        ("Nested", "comment"),
    }


def _classification(model: type[BaseModel], name: str) -> Classification | None:
    marking = field_marking(model, name)
    return marking.classification if marking else None


def test_the_personal_fields_are_marked_personal() -> None:
    personal = [
        (OrderFact, "note"),
        (TenantContact, "name"),
        (TenantContact, "phone"),
        (HourLine, "mechanic"),
        (AppointmentPlanned, "mechanic"),
        (Address, "postcode"),
        (Address, "house_number"),
        (Address, "addition"),
        (OrderAssigned, "description"),
    ]
    for model, name in personal:
        assert _classification(model, name) is Classification.PERSONAL, f"{model.__name__}.{name}"
    assert _classification(SocialSignalRaised, "signal_note") is Classification.SPECIAL_CATEGORY


def test_event_classification_follows_the_examples() -> None:
    assert {
        name: event.ownership.classification.value for name, event in EXAMPLE_EVENTS.items()
    } == {
        "order.registered": "internal",
        "order.accepted": "personal",  # a note
        "order.refused": "personal",
        "order.appointment-planned": "personal",
        "order.interrupted": "personal",
        "order.lead-time-extended": "personal",
        "order.technically-completed": "personal",  # the mechanic's name
        "order.administratively-completed": "internal",
        "order.cancellation-requested": "personal",
        "order.cancelled": "internal",
        "order.information-exchanged": "personal",
        "order.social-signal-raised": "special-category",
        "order.invoice-submitted": "internal",
        "order.assigned": "personal",
    }


def test_the_data_warehouse_view_has_no_personal_data_and_no_free_text() -> None:
    completed = redact(
        EXAMPLE_FACTS["order.technically-completed"], Classification.INTERNAL, free_text=False
    )
    assert completed["hours"] == [{"hours": "1.25", "hourly_rate": None}]
    assert completed["materials"][0] == {
        "article_number": "TK-1190",
        "quantity": "1",
        "unit": "STU",
        "unit_price": "38.95",
    }
    assert "note" not in completed
    invoice = redact(
        EXAMPLE_FACTS["order.invoice-submitted"], Classification.INTERNAL, free_text=False
    )
    assert all("description" not in line for line in invoice["lines"])
    assert invoice["total_incl_vat"] == "207.15"
    # Finance sees the invoice lines' descriptions: free text, but not personal.
    assert (
        redact(EXAMPLE_FACTS["order.invoice-submitted"], Classification.INTERNAL)["lines"][0][
            "description"
        ]
        == "Arbeid timmerman"
    )
