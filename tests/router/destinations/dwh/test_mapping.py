"""The data warehouse's records: KPIs without names, phone numbers or free text."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import jsonschema
import pytest
from aiokafka import TopicPartition
from pydantic import SecretStr

from contracts import (
    Address,
    AdministrativelyCompleted,
    AppointmentPlanned,
    DicoCause,
    DicoDetail,
    HourLine,
    KafkaSettings,
    LeadTimeExtended,
    MaterialLine,
    OrderAccepted,
    OrderAssigned,
    OrderInterrupted,
    OrderRefused,
    SignalCategory,
    SocialSignalRaised,
    TechnicallyCompleted,
    Unit,
)
from contracts.dwh import DwhOrderFact
from contracts.schema import committed_schema
from router.destinations.dwh import DwhDestination, Pseudonymiser, order_record
from router.destinations.dwh import destination as dwh_destination
from router.destinations.dwh.mapping import count_key, count_record
from router.destinations.dwh.plugin import CEILING as DWH_CEILING
from router.entitlement import Counted, Redacted, decide
from tests.router.kit import PSEUDONYM_KEY, at, wrap
from tests.router.samples import NOTE, ORDER, TENANT, invoice

PSEUDONYM = Pseudonymiser(SecretStr(PSEUDONYM_KEY))
SECRETS = [NOTE, "Mevrouw", "06-12345678", "Jeroen", "Kraan", "Arbeid", "1234 AB", "Sleutel"]


def expected_pseudonym(kind: str, value: str) -> str:
    return hmac.new(PSEUDONYM_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def record_of(fact, message_id: str = "MD-1") -> dict:
    decided = decide(wrap(fact, message_id), DWH_CEILING)
    assert isinstance(decided, Redacted)
    return order_record(decided, PSEUDONYM)


COMMON = {"order_number": ORDER, "partner_reference": "MD-88121", "note": NOTE, "tenant": TENANT}

FACTS = [
    OrderAccepted(**COMMON, occurred_at=at(0)),
    OrderRefused(**COMMON, occurred_at=at(1)),
    AppointmentPlanned(**COMMON, occurred_at=at(2), starts_at=at(60), ends_at=at(120),
                       mechanic="Jeroen Habets"),
    OrderInterrupted(**COMMON, occurred_at=at(3), reason=DicoDetail.MIB),
    LeadTimeExtended(**COMMON, occurred_at=at(4), new_deadline=date(2026, 12, 4)),
    TechnicallyCompleted(
        **COMMON, occurred_at=at(5), completed_at=at(5), first_time_fix=True,
        cause=DicoCause.SLT, nlsfb_element="52.11",
        hours=(HourLine(mechanic="Jeroen Habets", hours=Decimal("1.25")),
               HourLine(hours=Decimal("0.5"))),
        materials=(MaterialLine(description="Kraan", quantity=Decimal(1), unit=Unit.STU,
                                unit_price=Decimal("38.95")),
                   MaterialLine(description="Koppeling", quantity=Decimal("1.5"),
                                unit=Unit.MTR, unit_price=Decimal("7.33"))),
    ),
    AdministrativelyCompleted(**COMMON, occurred_at=at(6)),
    invoice(),
    OrderAssigned(**COMMON, occurred_at=at(7), partner="maasdal", kind="REP",
                  description="Sleutel bij de buren, bewoner slecht ter been",
                  deadline=at(10000), unit_code="VHE-001234",
                  address=Address(postcode="1234 AB", house_number="12", city="Maasdal")),
]  # fmt: skip


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f.fact_type)
def test_no_names_phone_numbers_or_free_text(fact) -> None:
    text = json.dumps(record_of(fact))
    for secret in SECRETS:
        assert secret not in text
    assert ORDER not in text
    assert "MD-88121" not in text  # the partner's own reference


@pytest.mark.parametrize("fact", FACTS, ids=lambda f: f.fact_type)
def test_every_record_holds_to_the_published_schema(fact) -> None:
    record = record_of(fact)
    validator = jsonschema.Draft202012Validator
    schema = committed_schema("dwh.order-fact")
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(record)
    # And the contract's model reads it back to exactly the same record.
    assert DwhOrderFact.model_validate(record).to_json() == record


def test_the_order_is_a_keyed_pseudonym_the_same_for_every_fact() -> None:
    records = [record_of(fact) for fact in FACTS]
    assert {r["order"] for r in records} == {expected_pseudonym("order", ORDER)}
    # Without the key it is not the plain hash someone could compute from the number.
    assert records[0]["order"] != hashlib.sha256(f"order:{ORDER}".encode()).hexdigest()


def test_records_carry_the_kpis() -> None:
    by_type = {r["type"]: r for r in (record_of(fact) for fact in FACTS)}
    assert by_type["order.accepted"] == {
        "id": wrap(FACTS[0], "MD-1").id,
        "type": "order.accepted",
        "order": expected_pseudonym("order", ORDER),
        "partner": "maasdal",
        "occurred_at": "2026-11-26T08:00:00Z",
        "status": "ACC",
    }
    completed = by_type["order.technically-completed"]
    assert {k: completed[k] for k in ("status", "first_time_fix", "cause", "nlsfb_element",
                                      "hours", "material_lines", "material_amount")} == {
        "status": "TGE", "first_time_fix": True, "cause": "SLT", "nlsfb_element": "52.11",
        "hours": "1.75", "material_lines": 2, "material_amount": "49.95",  # 38.95 + 11.00
    }  # fmt: skip
    assert by_type["order.interrupted"]["reason"] == "MIB"
    assert by_type["order.lead-time-extended"]["new_deadline"] == "2026-12-04"
    assert by_type["order.appointment-planned"]["starts_at"] == "2026-11-26T09:00:00Z"
    paid = by_type["order.invoice-submitted"]
    assert (paid["total_incl_vat"], paid["total_vat"], paid["invoice_lines"]) == (
        "148.27", "25.12", 3,
    )  # fmt: skip
    assigned = by_type["order.assigned"]
    assert assigned["unit"] == expected_pseudonym("unit", "VHE-001234")
    assert (assigned["kind"], assigned["assigned_to"]) == ("REP", "maasdal")


def test_a_signal_is_only_counted_by_dutch_month_and_category() -> None:
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December, 00:30 in NL
    fact = SocialSignalRaised(order_number=ORDER, occurred_at=late_evening, note=NOTE,
                              tenant=TENANT, category=SignalCategory.EENZAAMHEID,
                              signal_note="Zorgen om gezondheid", urgent=True)  # fmt: skip
    decided = decide(wrap(fact, "MD-9"), DWH_CEILING)
    assert decided == Counted(
        fact_type="order.social-signal-raised", month="2026-12", codes={"category": "EENZAAMHEID"}
    )
    key = count_key(decided, partition=2)
    assert key == "2026-12/EENZAAMHEID/2"
    assert count_record(key, 7) == {
        "month": "2026-12", "category": "EENZAAMHEID", "partition": 2, "count": 7,
    }  # fmt: skip


def test_a_record_that_misfits_its_schema_is_refused_before_it_is_remembered(
    monkeypatch,
) -> None:
    """A mapping bug (here: a field the contract does not have) raises a ValueError,
    which the topic worker parks as a dead letter; the id is not remembered."""
    destination = DwhDestination(KafkaSettings(), PSEUDONYM)
    decided = decide(wrap(FACTS[0], "MD-1"), DWH_CEILING)
    assert isinstance(decided, Redacted)
    good = order_record(decided, PSEUDONYM)
    monkeypatch.setattr(dwh_destination, "order_record", lambda fact, _: {**good, "note": "x"})
    with pytest.raises(ValueError, match="note"):
        destination.outputs(decided, TopicPartition("keten.orders.v1", 0))
    assert destination.written == set()
    monkeypatch.setattr(dwh_destination, "order_record", lambda fact, _: good)
    (record, remembered) = destination.outputs(decided, TopicPartition("keten.orders.v1", 0))
    assert json.loads(record.record.value) == good
    assert remembered.record.key == decided.id.encode()
    assert destination.outputs(decided, TopicPartition("keten.orders.v1", 0)) == []
