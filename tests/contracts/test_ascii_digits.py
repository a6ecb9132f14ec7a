"""Digits in the contract are 0-9, as the committed JSON Schemas say.

A JSON Schema ``pattern`` is ECMA-262, where ``\\d`` is 0-9; pydantic's own regex
engine also matches the digits of other scripts, and ``int()`` reads them. A partner
that sends a full-width order number must get a clear error, never a fact that no
VERA system and no consumer's validator would accept.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from contracts import OrderAccepted, TechnicallyCompleted
from contracts._facts import OrderNumber

FULL_WIDTH_ORDER = "WL-２０２６-004714"
AT = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


def test_an_order_number_with_full_width_digits_is_refused() -> None:
    with pytest.raises(ValidationError, match="only ASCII characters"):
        TypeAdapter(OrderNumber).validate_python(FULL_WIDTH_ORDER)
    assert TypeAdapter(OrderNumber).validate_python("WL-2026-004714") == "WL-2026-004714"


def test_an_nlsfb_code_with_arabic_indic_digits_is_refused() -> None:
    def completed(code: str) -> TechnicallyCompleted:
        return TechnicallyCompleted(
            order_number="WL-2026-004714", occurred_at=AT, completed_at=AT, nlsfb_element=code
        )

    with pytest.raises(ValidationError, match="only ASCII characters"):
        completed("٥٢.١١")
    assert completed("52.11").nlsfb_element == "52.11"


def test_the_facts_refuse_them_in_their_fields() -> None:
    with pytest.raises(ValidationError, match="order_number"):
        OrderAccepted(order_number=FULL_WIDTH_ORDER, occurred_at=AT)
    with pytest.raises(ValidationError, match="nlsfb_element"):
        TechnicallyCompleted(
            order_number="WL-2026-004714", occurred_at=AT, completed_at=AT, nlsfb_element="５２"
        )
