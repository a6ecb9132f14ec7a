"""Social signals to VERA BRG ``POST /signaleringen`` (``Signaleringen-Signaleringbericht``).

A pure function, the corporation's table (vera-mapping.md):

| partner category | soort | detailSoort |
|---|---|---|
| VERVUILING | ONE | VER |
| VERWAARLOZING, EENZAAMHEID, ZORGBEHOEFTE, OVERIG | ONB | none |
| OVERLAST | OVE | none |
| BETALINGSPROBLEMEN | SCH | BET |
| AGRESSIE | AGR | none |

``status`` ACT, ``begindatum`` the partner's time in UTC; the mechanic's note only in
``informatieobjecten`` (a note, INFORMATIEOBJECTSOORT NOT, VERTROUWELIJKHEID GEH:
"alleen toegankelijk voor direct geadresseerden, bv. zorggegevens"); the order number
and the partner id as ``extra-attributen``; an urgent signal carries the
``sturingslabel`` URG. VERA has no STURINGSLABEL list of its own (it is the
corporation's), so the label's code is ours: see docs/destinations/relaties.md.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from contracts import SignalCategory, SocialSignalRaised
from contracts.vera_codes import SignaleringDetailSoort, SignaleringSoort, SignaleringStatus
from router.vera_client import VeraCall

PATH = "/signaleringen"
ROUTES = frozenset({SocialSignalRaised.fact_type})

KIND: dict[SignalCategory, tuple[SignaleringSoort, SignaleringDetailSoort | None]] = {
    SignalCategory.VERVUILING: (SignaleringSoort.ONE, SignaleringDetailSoort.VER),
    SignalCategory.VERWAARLOZING: (SignaleringSoort.ONB, None),
    SignalCategory.EENZAAMHEID: (SignaleringSoort.ONB, None),
    SignalCategory.ZORGBEHOEFTE: (SignaleringSoort.ONB, None),
    SignalCategory.OVERIG: (SignaleringSoort.ONB, None),
    SignalCategory.OVERLAST: (SignaleringSoort.OVE, None),
    SignalCategory.BETALINGSPROBLEMEN: (SignaleringSoort.SCH, SignaleringDetailSoort.BET),
    SignalCategory.AGRESSIE: (SignaleringSoort.AGR, None),
}

NOTE_KIND = "NOT"  # VERA INFORMATIEOBJECTSOORT: notitie
SECRET = "GEH"  # VERA VERTROUWELIJKHEID: geheim (zorggegevens)
"""VERA codes not (yet) in ``contracts.vera_codes``; tests check them against Referentiedata."""

URGENT_LABEL = {
    "soort": {"code": "PRI", "naam": "Prioriteit"},
    "label": {"code": "URG", "naam": "Urgent: contact binnen één werkdag"},
}


def to_vera(signal: SocialSignalRaised, *, partner: str) -> VeraCall:
    soort, detail = KIND[signal.category]
    body: dict[str, Any] = {"soort": _code(soort)}
    if detail is not None:
        body["detailSoort"] = _code(detail)
    body["status"] = _code(SignaleringStatus.ACT)
    body["begindatum"] = signal.occurred_at.isoformat().replace("+00:00", "Z")
    notes = [
        _note("Toelichting monteur", signal.signal_note),
        _note("Opmerking partner", signal.note),
    ]
    if informatieobjecten := [note for note in notes if note is not None]:
        body["informatieobjecten"] = informatieobjecten
    body["extra-attributen"] = [
        {"naam": "opdrachtnummer", "waarde": signal.order_number},
        {"naam": "partner", "waarde": partner},
    ]
    if signal.urgent:
        body["sturingslabels"] = [URGENT_LABEL]
    return VeraCall("POST", PATH, body)


def _note(title: str, text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    return {
        "soort": {"code": NOTE_KIND},
        "titel": title,
        "beschrijving": text,
        "vertrouwelijkheid": {"code": SECRET},
    }


def _code(code: StrEnum) -> dict[str, str]:
    return {"code": code.value}
