"""Golden tests: every mutatie of both shared Roerdal pages becomes exactly the expected fact."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.errors import InvalidMessage, UnreadableMessage, UnsupportedMessage
from connectors.roerdal.inbound import translate
from contracts import (
    AppointmentPlanned,
    Classification,
    DicoDetail,
    DicoStatus,
    HourLine,
    InformationExchanged,
    MaterialLine,
    OrderAccepted,
    OrderInterrupted,
    TechnicallyCompleted,
    Unit,
    event_id,
)
from tests.samples import partner_sample, raw


def mutaties(page: str) -> list[dict]:
    return json.loads(partner_sample("roerdal", page))["mutaties"]


def translated(mutatie: dict):
    (event,) = translate(raw("roerdal", json.dumps(mutatie).encode(), channel="poll"))
    return event


def sample(mutatie_id: int) -> dict:
    found = [m for page in ("page-1.json", "page-2.json") for m in mutaties(page)]
    return next(m for m in found if m["id"] == mutatie_id)


def test_the_shared_pages_hold_exactly_these_mutaties() -> None:
    assert [m["id"] for m in mutaties("page-1.json")] == [991201, 991202]
    assert [m["id"] for m in mutaties("page-2.json")] == [991240]


def test_status_acc_is_an_accepted_fact_at_the_local_time_in_utc() -> None:
    event = translated(sample(991201))
    assert event.data == OrderAccepted(
        order_number="WL-2026-004713",
        partner_reference="R-55120",
        # 26 November is winter time (+01:00).
        occurred_at=datetime(2026, 11, 26, 7, 12, 44, tzinfo=UTC),
    )
    assert event.id == event_id("roerdal", "991201", 0)
    assert event.source == "/partners/roerdal/poll"
    assert event.ownership.producer == "roerdal"
    assert event.ownership.classification is Classification.INTERNAL


def test_planning_has_its_minute_window_in_utc_and_keeps_the_note_as_personal() -> None:
    event = translated(sample(991202))
    assert event.data == AppointmentPlanned(
        order_number="WL-2026-004713",
        partner_reference="R-55120",
        occurred_at=datetime(2026, 11, 26, 7, 13, 2, tzinfo=UTC),
        note="Sleutel bij buren (nr 14)",
        starts_at=datetime(2026, 12, 1, 7, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC),
    )
    assert event.id == event_id("roerdal", "991202", 0)
    assert event.ownership.classification is Classification.PERSONAL


def test_gereed_reads_decimal_commas_exactly_with_units_and_unit_prices() -> None:
    event = translated(sample(991240))
    assert event.data == TechnicallyCompleted(
        order_number="WL-2026-004713",
        partner_reference="R-55120",
        occurred_at=datetime(2026, 12, 1, 10, 41, 19, tzinfo=UTC),
        completed_at=datetime(2026, 12, 1, 10, 41, 19, tzinfo=UTC),
        first_time_fix=True,
        hours=(HourLine(hours=Decimal("3.5")),),
        materials=(
            MaterialLine(
                description="Dubbel glas HR++ 84x112",
                quantity=Decimal("1"),
                unit=Unit.STU,
                unit_price=Decimal("212.40"),
            ),
            MaterialLine(
                description="Glaslatten grenen",
                quantity=Decimal("4.2"),
                unit=Unit.MTR,
                unit_price=Decimal("3.15"),
            ),
        ),
    )
    fact = event.data
    assert all(type(m.unit_price) is Decimal for m in fact.materials)
    assert fact.hours[0].mechanic is None
    assert event.id == event_id("roerdal", "991240", 0)


def test_the_same_mutatie_in_a_later_page_gets_the_same_event_id() -> None:
    again = {**sample(991201), "opmerking": None}
    assert translated(again).id == translated(sample(991201)).id


def test_a_summer_time_mutatie_is_two_hours_ahead_of_utc() -> None:
    fact = translated({**sample(991201), "wanneer": "2026-07-01 10:00:00"}).data
    assert fact.occurred_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [("ja", True), ("nee", False), (None, None)])
def test_eerste_keer_goed_reads_ja_nee_and_null(value, expected) -> None:
    fact = translated({**sample(991240), "eersteKeerGoed": value}).data
    assert fact.first_time_fix is expected


def test_ond_carries_its_dico_reason() -> None:
    mutatie = {**sample(991201), "status": "OND", "reden": "MIB", "opmerking": "glas besteld"}
    fact = translated(mutatie).data
    assert isinstance(fact, OrderInterrupted)
    assert fact.reason is DicoDetail.MIB
    assert fact.note == "glas besteld"


def test_an_information_request_is_an_information_fact() -> None:
    fact = translated({**sample(991201), "status": "VIN"}).data
    assert isinstance(fact, InformationExchanged)
    assert fact.code is DicoStatus.VIN


def test_a_bare_tge_status_completes_at_the_mutatie_time() -> None:
    fact = translated({**sample(991201), "status": "TGE"}).data
    assert isinstance(fact, TechnicallyCompleted)
    assert fact.completed_at == fact.occurred_at
    assert fact.hours == ()
    assert fact.materials == ()


def test_gereed_without_hours_or_materials_is_a_plain_completion() -> None:
    mutatie = {**sample(991240), "uren": None, "materiaal": None}
    fact = translated(mutatie).data
    assert (fact.hours, fact.materials) == ((), ())


def test_unknown_extra_fields_are_ignored() -> None:
    assert translated({**sample(991201), "nieuwVeld": {"x": 1}}).data.order_number


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uren": "1,2,3"}, "uren"),
        ({"uren": "1.75"}, "uren"),
        ({"uren": "-1,5"}, "uren"),
        ({"uren": 1.75}, "uren"),
        ({"uren": "3,12345"}, "uren"),
        ({"materiaal": [{"omschrijving": "x", "aantal": "1,2,3", "eenheid": "ST"}]},
         "materiaal.0.aantal"),
        ({"materiaal": [{"omschrijving": "x", "aantal": "1", "eenheid": "ST", "prijs": "3,155"}]},
         "materiaal.0.prijs"),
        ({"wanneer": "2026-12-01T11:41:19"}, "wanneer"),
        ({"wanneer": "2026-02-30 11:41:19"}, "wanneer"),
        ({"wanneer": "2026-12-01 11:41"}, "wanneer"),
        ({"eersteKeerGoed": "J"}, "eersteKeerGoed"),
        ({"opdracht": "4713"}, "opdracht"),
        ({"id": "991240"}, "id"),
        ({"soort": "factuur"}, "soort"),
    ],
)  # fmt: skip
def test_a_malformed_field_is_a_typed_error_naming_the_field(change, field) -> None:
    with pytest.raises(InvalidMessage) as caught:
        translated({**sample(991240), **change})
    assert caught.value.reason.startswith(f"{field}:") or f"; {field}:" in caught.value.reason
    for value in change.values():
        if isinstance(value, str):
            assert value not in caught.value.reason  # values are never quoted


def test_a_planning_without_its_window_or_with_an_end_before_its_start_is_refused() -> None:
    with pytest.raises(InvalidMessage, match="gepland: required"):
        translated({**sample(991202), "gepland": None})
    backwards = {"start": "2026-12-01 12:00", "eind": "2026-12-01 08:00"}
    with pytest.raises(InvalidMessage, match=r"gepland\.eind"):
        translated({**sample(991202), "gepland": backwards})
    with pytest.raises(InvalidMessage, match=r"gepland\.start"):
        translated({**sample(991202), "gepland": {**backwards, "start": "2026-12-01 8:00"}})


def test_status_rules() -> None:
    with pytest.raises(InvalidMessage, match="status: required"):
        translated({**sample(991201), "status": None})
    with pytest.raises(InvalidMessage, match="status: must be TGE"):
        translated({**sample(991240), "status": "ACC"})
    with pytest.raises(UnsupportedMessage, match="VER"):
        translated({**sample(991201), "status": "VER"})
    with pytest.raises(InvalidMessage, match="status"):
        translated({**sample(991201), "status": "XYZ"})


def test_an_unknown_unit_names_itself_and_the_mutatie() -> None:
    line = {"omschrijving": "Kit", "aantal": "1", "eenheid": "DOOS", "prijs": "4,50"}
    with pytest.raises(InvalidMessage, match="unknown unit") as caught:
        translated({**sample(991240), "materiaal": [line]})
    assert caught.value.message_id == "991240"


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"x"', b"\xff\xfe", b"[" * 100_000])
def test_what_is_not_one_json_object_is_unreadable(body: bytes) -> None:
    with pytest.raises(UnreadableMessage):
        translate(raw("roerdal", body, channel="poll"))


def test_the_message_id_of_a_broken_mutatie_is_its_id() -> None:
    with pytest.raises(InvalidMessage) as caught:
        translated({**sample(991240), "uren": "x"})
    assert caught.value.message_id == "991240"
