"""Every row of the corporation's signal table, and where the mechanic's note may go."""

from __future__ import annotations

import csv

import pytest

from contracts import SignalCategory, SocialSignalRaised
from contracts.vera import REFERENTIEDATA
from router.destinations.relaties import to_vera
from router.destinations.relaties.mapping import NOTE_KIND, SECRET
from tests.router.kit import at

ORDER = "WL-2026-004711"
NOTE = "Bewoonster woont alleen, woning sterk vervuild"


def signal(category: SignalCategory, **changes: object) -> SocialSignalRaised:
    fields: dict[str, object] = {
        "order_number": ORDER,
        "occurred_at": at(112.5),
        "category": category,
        "signal_note": NOTE,
        "urgent": False,
    }
    return SocialSignalRaised(**(fields | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "soort", "detail"),
    [
        (SignalCategory.VERVUILING, "ONE", "VER"),
        (SignalCategory.VERWAARLOZING, "ONB", None),
        (SignalCategory.EENZAAMHEID, "ONB", None),
        (SignalCategory.ZORGBEHOEFTE, "ONB", None),
        (SignalCategory.OVERIG, "ONB", None),
        (SignalCategory.OVERLAST, "OVE", None),
        (SignalCategory.BETALINGSPROBLEMEN, "SCH", "BET"),
        (SignalCategory.AGRESSIE, "AGR", None),
    ],
)
def test_every_category(category, soort, detail) -> None:
    call = to_vera(signal(category), partner="maasdal")
    assert (call.method, call.path) == ("POST", "/signaleringen")
    expected = {"soort": {"code": soort}}
    if detail:
        expected["detailSoort"] = {"code": detail}
    assert call.body == {
        **expected,
        "status": {"code": "ACT"},
        "begindatum": "2026-11-26T09:52:30Z",
        "informatieobjecten": [
            {"soort": {"code": "NOT"}, "titel": "Toelichting monteur", "beschrijving": NOTE,
             "vertrouwelijkheid": {"code": "GEH"}},
        ],
        "extra-attributen": [
            {"naam": "opdrachtnummer", "waarde": ORDER},
            {"naam": "partner", "waarde": "maasdal"},
        ],
    }  # fmt: skip


def test_every_category_has_a_row() -> None:
    for category in SignalCategory:
        assert to_vera(signal(category), partner="p").body["soort"]


def test_urgent_is_a_sturingslabel() -> None:
    body = to_vera(signal(SignalCategory.AGRESSIE, urgent=True), partner="maasdal").body
    assert body["sturingslabels"] == [
        {"soort": {"code": "PRI", "naam": "Prioriteit"},
         "label": {"code": "URG", "naam": "Urgent: contact binnen één werkdag"}}
    ]  # fmt: skip


def test_the_note_goes_only_in_informatieobjecten_and_none_means_none() -> None:
    body = to_vera(signal(SignalCategory.OVERLAST), partner="maasdal").body
    others = {k: v for k, v in body.items() if k != "informatieobjecten"}
    assert NOTE not in repr(others)
    quiet = to_vera(signal(SignalCategory.OVERLAST, signal_note=None), partner="maasdal").body
    assert "informatieobjecten" not in quiet


def test_a_partner_note_on_the_signal_is_its_own_informatieobject() -> None:
    body = to_vera(signal(SignalCategory.OVERIG, note="Graag terugbellen"), partner="maasdal").body
    assert [(o["titel"], o["beschrijving"]) for o in body["informatieobjecten"]] == [
        ("Toelichting monteur", NOTE),
        ("Opmerking partner", "Graag terugbellen"),
    ]


def test_the_codes_not_in_vera_codes_are_real_referentiedata() -> None:
    with REFERENTIEDATA.open(encoding="utf-8") as file:
        rows = {(row["Soort"], row["Code"]) for row in csv.DictReader(file, delimiter=";")}
    assert ("INFORMATIEOBJECTSOORT", NOTE_KIND) in rows
    assert ("VERTROUWELIJKHEID", SECRET) in rows
