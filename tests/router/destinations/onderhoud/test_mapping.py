"""Every row of the corporation's mapping table for the maintenance system."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts import (
    AdministrativelyCompleted,
    AppointmentPlanned,
    CancellationRequested,
    DicoCause,
    DicoDetail,
    DicoStatus,
    HourLine,
    InformationExchanged,
    LeadTimeExtended,
    MaterialLine,
    OrderAccepted,
    OrderCancelled,
    OrderInterrupted,
    OrderRefused,
    OrderRegistered,
    TechnicallyCompleted,
    Unit,
)
from router.destinations.onderhoud import to_vera

ORDER = "WL-2026-004711"
AT = datetime(2026, 11, 26, 7, 2, 11, tzinfo=UTC)
COMMON = {"order_number": ORDER, "partner_reference": "MD-1", "occurred_at": AT}


def body_of(fact):
    call = to_vera(fact)
    assert call is not None
    assert call.method == "PATCH"
    assert call.path == f"/onderhoudsorders/{ORDER}"
    return call.body


def test_acc_sets_in_behandeling() -> None:
    assert body_of(OrderAccepted(**COMMON, note="ok")) == {"status": {"code": "INB"}}


def test_wei_goes_back_to_registered_with_the_refusal_note() -> None:
    assert body_of(OrderRefused(**COMMON, note="Geen capaciteit")) == {
        "status": {"code": "REG"},
        "informatieobjecten": [{"titel": "Reden weigering", "beschrijving": "Geen capaciteit"}],
    }


def test_appointment_is_planned_in_utc() -> None:
    fact = AppointmentPlanned(
        **COMMON,
        starts_at=datetime(2026, 11, 28, 7, tzinfo=UTC),
        ends_at=datetime(2026, 11, 28, 9, tzinfo=UTC),
        mechanic="Jeroen Habets",
    )
    assert body_of(fact) == {
        "status": {"code": "PLN"},
        "afspraken": [
            {
                "status": {"code": "GEP"},
                "begindatum": "2026-11-28T07:00:00Z",
                "einddatum": "2026-11-28T09:00:00Z",
            }
        ],
    }


@pytest.mark.parametrize(
    ("reason", "vera_detail"),
    [
        (DicoDetail.BNT, "AFW"),  # gebruiker niet aanwezig -> VERA "klant niet aanwezig"
        (DicoDetail.MIB, "MAT"),
        (DicoDetail.OHD, "MAT"),
        (DicoDetail.AVW, "INS"),
        (DicoDetail.AWE, "OFF"),
        (DicoDetail.AFW, None),  # DICO AFW is "wachten op weer", NOT VERA's AFW
        (DicoDetail.THD, None),
        (None, None),
    ],
)
def test_interruption_detail_codes(reason, vera_detail) -> None:
    task = {"status": {"code": "OND"}}
    if vera_detail:
        task["detailStatus"] = {"code": vera_detail}
    assert body_of(OrderInterrupted(**COMMON, reason=reason)) == {
        "status": {"code": "INB"},
        "onderhoudstaken": [task],
    }


@pytest.mark.parametrize(
    ("new_deadline", "utc"),
    [
        (date(2026, 12, 4), "2026-12-04T22:59:59Z"),  # winter time, +01:00
        (date(2026, 7, 1), "2026-07-01T21:59:59Z"),  # summer time, +02:00
    ],
)
def test_lead_time_extension_leaves_status_alone(new_deadline, utc) -> None:
    assert body_of(LeadTimeExtended(**COMMON, new_deadline=new_deadline)) == {
        "uitersteGereeddatum": utc
    }


def test_completion_with_hours_materials_and_cause() -> None:
    fact = TechnicallyCompleted(
        **COMMON,
        completed_at=datetime(2026, 11, 28, 8, 40, tzinfo=UTC),
        first_time_fix=True,
        cause=DicoCause.HUU,
        nlsfb_element="52.11",
        hours=(HourLine(mechanic="Jeroen Habets", hours=Decimal("1.25")),),
        materials=(
            MaterialLine(description="Kraan", quantity=Decimal("1"), unit=Unit.STU,
                         unit_price=Decimal("38.95")),
            MaterialLine(description="Koppeling", quantity=Decimal("2"), unit=Unit.STU,
                         unit_price=Decimal("3.10")),
            MaterialLine(description="Buis", quantity=Decimal("1.5"), unit=Unit.MTR,
                         unit_price=Decimal("7.33")),
        ),
    )  # fmt: skip
    body = body_of(fact)
    assert body == {
        "status": {"code": "TEC"},
        "technischGereeddatum": "2026-11-28T08:40:00Z",
        "onderhoudstaken": [
            {
                "status": {"code": "GER"},
                "onderhoudsbestedingen": [
                    {"soort": {"code": "WER"}, "aantal": Decimal("1.25"),
                     "meeteenheid": {"code": "UUR"}},
                    {"soort": {"code": "MAT"}, "omschrijving": "Kraan", "aantal": Decimal("1"),
                     "meeteenheid": {"code": "STU"}, "bedrag": Decimal("38.95")},
                    {"soort": {"code": "MAT"}, "omschrijving": "Koppeling",
                     "aantal": Decimal("2"), "meeteenheid": {"code": "STU"},
                     "bedrag": Decimal("6.20")},
                    # 1.5 x 7.33 = 10.995, rounded half up to the cent
                    {"soort": {"code": "MAT"}, "omschrijving": "Buis", "aantal": Decimal("1.5"),
                     "meeteenheid": {"code": "MTR"}, "bedrag": Decimal("11.00")},
                ],
            }
        ],
        # HUU (huurder) is VERA's BEW (bewoner)
        "defecten": [{"oorzaak": {"code": "BEW"}, "bouwkundigElement": {"code": "52.11"}}],
    }  # fmt: skip
    amounts = [b["bedrag"] for b in body["onderhoudstaken"][0]["onderhoudsbestedingen"][1:]]
    assert all(type(a) is Decimal for a in amounts)


@pytest.mark.parametrize(("cause", "vera"), [(DicoCause.SLT, "SLT"), (DicoCause.OUD, "OUD")])
def test_other_causes(cause, vera) -> None:
    fact = TechnicallyCompleted(**COMMON, completed_at=AT, cause=cause)
    assert body_of(fact)["defecten"] == [{"oorzaak": {"code": vera}}]


def test_age_is_financieel_afwikkelen_and_ann_is_geannuleerd() -> None:
    assert body_of(AdministrativelyCompleted(**COMMON)) == {"status": {"code": "FIN"}}
    assert body_of(OrderCancelled(**COMMON)) == {"status": {"code": "GEA"}}


@pytest.mark.parametrize(
    "fact",
    [
        OrderRegistered(**COMMON),
        CancellationRequested(**COMMON),
        *(InformationExchanged(**COMMON, code=code)
          for code in (DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA)),
    ],
    ids=lambda fact: fact.fact_type,
)  # fmt: skip
def test_no_call_for_registration_cancel_requests_and_information(fact) -> None:
    assert to_vera(fact) is None


def test_without_status_a_late_acceptance_makes_no_call() -> None:
    assert to_vera(OrderAccepted(**COMMON), with_status=False) is None
    late_completion = TechnicallyCompleted(**COMMON, completed_at=AT)
    assert "status" not in to_vera(late_completion, with_status=False).body


def test_a_late_interruption_makes_no_call() -> None:
    # Its only content is the task status; a merge-PATCH would replace completed tasks.
    assert to_vera(OrderInterrupted(**COMMON, reason=DicoDetail.MIB), with_status=False) is None


def test_a_late_appointment_or_refusal_still_brings_its_other_content() -> None:
    appointment = AppointmentPlanned(
        **COMMON,
        starts_at=datetime(2026, 11, 28, 7, tzinfo=UTC),
        ends_at=datetime(2026, 11, 28, 9, tzinfo=UTC),
    )
    assert to_vera(appointment, with_status=False).body == {
        "afspraken": [
            {
                "status": {"code": "GEP"},
                "begindatum": "2026-11-28T07:00:00Z",
                "einddatum": "2026-11-28T09:00:00Z",
            }
        ]
    }
    refusal = OrderRefused(**COMMON, note="Geen capaciteit")
    assert to_vera(refusal, with_status=False).body == {
        "informatieobjecten": [{"titel": "Reden weigering", "beschrijving": "Geen capaciteit"}]
    }
