"""Money and quantities are Decimal end to end; times are aware and in UTC.

JSON numbers in (a partner's, or another producer's) keep every digit; amounts out
are exact strings; a third decimal in an amount is refused, never rounded away.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from contracts import (
    CanonicalEvent,
    InvalidEnvelope,
    MaterialLine,
    OrderAccepted,
    TechnicallyCompleted,
    read_fact,
)
from contracts.examples import EXAMPLE_EVENTS

COMPLETION = {
    "order_number": "WL-2026-004711",
    "occurred_at": "2026-11-28T09:47:02+01:00",
    "completed_at": "2026-11-28T09:40:00+01:00",
}


def test_json_numbers_become_exact_decimals() -> None:
    value = json.dumps(COMPLETION)[:-1] + (
        ', "hours": [{"hours": 1.25}], "materials": [{"description": "Kraan", '
        '"quantity": 0.1, "unit": "STU", "unit_price": 38.95}]}'
    )
    fact = read_fact(TechnicallyCompleted, value.encode())
    assert fact.hours[0].hours == Decimal("1.25")
    assert fact.materials[0].quantity.as_tuple() == Decimal("0.1").as_tuple()
    assert fact.materials[0].unit_price == Decimal("38.95")


def test_a_third_decimal_is_refused_not_rounded() -> None:
    # Through a float this would read as 38.95 and pass; exactly, it is refused.
    value = json.dumps(COMPLETION)[:-1] + (
        ', "materials": [{"description": "Kraan", "quantity": 1, "unit": "STU", '
        '"unit_price": 38.950000000000000001}]}'
    )
    with pytest.raises(ValidationError, match="no more than 2 decimal places"):
        read_fact(TechnicallyCompleted, value.encode())


def test_amounts_go_out_as_exact_strings() -> None:
    value = json.loads(EXAMPLE_EVENTS["order.invoice-submitted"].to_kafka().value)
    assert value["total_incl_vat"] == "207.15"
    assert value["lines"][0]["amount_excl_vat"] == "146.25"
    assert value["vat_totals"] == [{"rate": "21", "base": "171.20", "vat": "35.95"}]
    read = CanonicalEvent.from_kafka(
        EXAMPLE_EVENTS["order.invoice-submitted"].to_kafka().value,
        EXAMPLE_EVENTS["order.invoice-submitted"].to_kafka().headers,
    )
    assert read.data.total_incl_vat == Decimal("207.15")  # type: ignore[attr-defined]


def test_money_refuses_infinity_and_fractions_of_cents() -> None:
    with pytest.raises(ValidationError):
        MaterialLine(
            description="x", quantity=Decimal(1), unit="STU", unit_price=Decimal("Infinity")
        )  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        MaterialLine(description="x", quantity=Decimal(1), unit="STU", unit_price=Decimal("0.001"))  # type: ignore[arg-type]


def test_times_are_stored_in_utc_and_written_with_z() -> None:
    amsterdam_winter = timezone(timedelta(hours=1))
    fact = OrderAccepted(
        order_number="WL-2026-004711",
        occurred_at=datetime(2026, 11, 26, 8, 2, tzinfo=amsterdam_winter),
    )
    assert fact.occurred_at == datetime(2026, 11, 26, 7, 2, tzinfo=UTC)
    assert fact.occurred_at.tzinfo is UTC
    assert json.loads(fact.model_dump_json())["occurred_at"] == "2026-11-26T07:02:00Z"


def test_a_time_without_offset_is_refused() -> None:
    with pytest.raises(ValidationError, match="occurred_at"):
        OrderAccepted(order_number="WL-2026-004711", occurred_at=datetime(2026, 11, 26, 8, 2))


def test_a_value_that_is_not_json_is_a_typed_error() -> None:
    record = EXAMPLE_EVENTS["order.accepted"].to_kafka()
    with pytest.raises(InvalidEnvelope, match="not JSON"):
        CanonicalEvent.from_kafka(b"\x00not json", record.headers)
