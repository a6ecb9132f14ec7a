"""Golden tests: every shared Maasdal sample becomes exactly the expected canonical fact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.errors import InvalidMessage, UnreadableMessage
from connectors.maasdal.inbound import translate
from contracts import (
    AppointmentPlanned,
    Classification,
    DicoCause,
    DicoDetail,
    LeadTimeExtended,
    OrderAccepted,
    OrderInterrupted,
    Purpose,
    SignalCategory,
    SocialSignalRaised,
    TechnicallyCompleted,
    Unit,
    event_id,
)
from tests.samples import partner_sample, raw


def one_event(name: str):
    events = translate(raw("maasdal", partner_sample("maasdal", name)))
    assert len(events) == 1
    return events[0]


def test_status_acc_is_an_accepted_fact_in_utc() -> None:
    event = one_event("01-status-acc.json")
    assert isinstance(event.data, OrderAccepted)
    assert event.data.order_number == "WL-2026-004711"
    assert event.data.partner_reference == "MD-88121"
    assert event.data.occurred_at == datetime(2026, 11, 26, 7, 2, 11, tzinfo=UTC)
    assert event.id == event_id("maasdal", "MD-20261126-000101", 0)
    assert event.type == "nl.ketenbus.order.accepted.v1"
    assert event.source == "/partners/maasdal/webhook"
    assert event.ownership.producer == "maasdal"
    assert event.ownership.owner == "corporation"
    # The note is free text and may name people.
    assert event.ownership.classification is Classification.PERSONAL


def test_afspraak_local_window_becomes_utc_and_keeps_the_tenant_marked() -> None:
    event = one_event("02-afspraak.json")
    fact = event.data
    assert isinstance(fact, AppointmentPlanned)
    # 28 November is winter time (+01:00): 08:00-10:00 local is 07:00-09:00 UTC.
    assert fact.starts_at == datetime(2026, 11, 28, 7, 0, tzinfo=UTC)
    assert fact.ends_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert fact.mechanic == "Jeroen Habets"
    assert fact.tenant is not None
    assert fact.tenant.name == "mevr. L. Crombach"
    assert event.ownership.classification is Classification.PERSONAL


def test_gereed_keeps_hours_and_amounts_exact() -> None:
    fact = one_event("03-gereed.json").data
    assert isinstance(fact, TechnicallyCompleted)
    assert fact.completed_at == datetime(2026, 11, 28, 8, 40, tzinfo=UTC)
    assert fact.first_time_fix is True
    assert fact.cause is DicoCause.SLT
    assert fact.nlsfb_element == "52.11"
    assert [(h.mechanic, h.hours) for h in fact.hours] == [("Jeroen Habets", Decimal("1.25"))]
    assert [(m.article_number, m.quantity, m.unit, m.unit_price) for m in fact.materials] == [
        ("TK-1190", Decimal("1"), Unit.STU, Decimal("38.95")),
        ("KL-0032", Decimal("2"), Unit.STU, Decimal("3.10")),
    ]
    assert all(type(m.unit_price) is Decimal for m in fact.materials)


def test_signalering_is_special_category_for_social_care_only() -> None:
    event = one_event("04-signalering.json")
    fact = event.data
    assert isinstance(fact, SocialSignalRaised)
    assert fact.category is SignalCategory.VERWAARLOZING
    assert fact.urgent is True
    assert fact.signal_note is not None
    assert fact.signal_note.startswith("Bewoonster woont alleen")
    assert event.ownership.classification is Classification.SPECIAL_CATEGORY
    assert event.ownership.purpose is Purpose.SOCIAL_CARE
    assert fact.restricted is True


def test_ond_keeps_the_dico_detail() -> None:
    fact = one_event("05-status-ond.json").data
    assert isinstance(fact, OrderInterrupted)
    assert fact.reason is DicoDetail.MIB


def test_ver_carries_the_new_deadline() -> None:
    fact = one_event("06-status-ver.json").data
    assert isinstance(fact, LeadTimeExtended)
    assert fact.new_deadline == date(2026, 12, 4)


def test_the_same_message_twice_gives_the_same_event_id() -> None:
    body = partner_sample("maasdal", "01-status-acc.json")
    assert translate(raw("maasdal", body))[0].id == translate(raw("maasdal", body))[0].id


def test_unknown_extra_fields_are_ignored() -> None:
    document = json.loads(partner_sample("maasdal", "01-status-acc.json"))
    document["nieuwVeldVanaf2027"] = {"iets": 1}
    (event,) = translate(raw("maasdal", json.dumps(document).encode()))
    assert isinstance(event.data, OrderAccepted)


@pytest.mark.parametrize(
    ("change", "expected_field"),
    [
        ({"status": {"code": "XYZ"}}, "status.code"),
        ({"tijdstip": "2026-11-26T08:02:11"}, "tijdstip"),  # no offset
        ({"opdrachtnummer": "4711"}, "order_number"),
        ({"status": None}, "status"),
    ],
)
def test_invalid_fields_are_named_without_their_values(change, expected_field) -> None:
    document = json.loads(partner_sample("maasdal", "01-status-acc.json")) | change
    with pytest.raises(InvalidMessage) as raised:
        translate(raw("maasdal", json.dumps(document).encode()))
    assert expected_field in str(raised.value)
    assert raised.value.message_id == "MD-20261126-000101"


def test_not_json_is_unreadable() -> None:
    with pytest.raises(UnreadableMessage):
        translate(raw("maasdal", b"\xff\xfe<xml/>"))


def test_ver_without_a_new_date_is_invalid() -> None:
    document = json.loads(partner_sample("maasdal", "06-status-ver.json"))
    del document["status"]["nieuweGereeddatum"]
    with pytest.raises(InvalidMessage, match="nieuweGereeddatum"):
        translate(raw("maasdal", json.dumps(document).encode()))


def test_amounts_never_pass_through_a_float() -> None:
    # 17 significant digits: a float would read this as 12345678901234568.
    document = partner_sample("maasdal", "03-gereed.json").replace(
        b"38.95", b"12345678901234567.89"
    )
    fact = translate(raw("maasdal", document))[0].data
    assert isinstance(fact, TechnicallyCompleted)
    assert fact.materials[0].unit_price == Decimal("12345678901234567.89")


def test_an_amount_with_more_than_cents_is_invalid() -> None:
    document = partner_sample("maasdal", "03-gereed.json").replace(b"38.95", b"38.955")
    with pytest.raises(InvalidMessage, match="unit_price"):
        translate(raw("maasdal", document))
