"""One Roerdal mutatie (one raw record, written by the poller) to canonical facts.

The poller stores each mutatie of a page as its own raw record, so this adapter sees
one JSON object per call (see ``_mutatie.py`` for its fields). The partner message
id is the mutatie ``id``: a mutatie served again in a later page yields the same
event id and therefore no second effect.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from connectors import exact_json
from connectors.adapter import invalid
from connectors.errors import InvalidMessage, UnreadableMessage, UnsupportedMessage
from connectors.roerdal._mutatie import Mutatie
from connectors.units import unit_of
from contracts import (
    STATUS_FACTS,
    AppointmentPlanned,
    CanonicalEvent,
    DicoStatus,
    HourLine,
    InformationExchanged,
    MaterialLine,
    OrderFact,
    OrderInterrupted,
    RawMessage,
    TechnicallyCompleted,
    validated,
)

PARTNER = "roerdal"
_INFORMATION_CODES = {DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA}


def translate(raw: RawMessage) -> list[CanonicalEvent]:
    """The canonical event in one Roerdal mutatie."""
    mutatie = parse(raw.body)
    message_id = str(mutatie.id)
    try:
        fact = _fact(mutatie, message_id=message_id)
    except ValidationError as exc:
        raise invalid(exc, message_id=message_id) from None
    return [
        CanonicalEvent.create(
            fact,
            partner=PARTNER,
            channel=raw.channel,
            partner_message_id=message_id,
            traceparent=raw.traceparent,
        )
    ]


def parse(body: bytes) -> Mutatie:
    """Read one mutatie; a typed error names the field that is wrong."""
    try:
        document: Any = exact_json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableMessage(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise UnreadableMessage("not a JSON object (one mutatie)")
    found = document.get("id")
    message_id = str(found) if isinstance(found, int) and not isinstance(found, bool) else ""
    try:
        return validated(Mutatie, document)
    except ValidationError as exc:
        raise invalid(exc, message_id=message_id) from None


def _fact(mutatie: Mutatie, *, message_id: str) -> OrderFact:
    common: dict[str, Any] = {
        "order_number": mutatie.opdracht,
        "partner_reference": mutatie.werkbon,
        "occurred_at": mutatie.wanneer,
        "note": mutatie.opmerking,
    }
    if mutatie.soort == "planning":
        if mutatie.gepland is None:
            raise InvalidMessage("gepland: required for soort planning", message_id=message_id)
        if mutatie.gepland.eind < mutatie.gepland.start:
            raise InvalidMessage("gepland.eind: before gepland.start", message_id=message_id)
        return AppointmentPlanned(
            **common, starts_at=mutatie.gepland.start, ends_at=mutatie.gepland.eind
        )
    if mutatie.soort == "gereed":
        if mutatie.status not in (None, DicoStatus.TGE):
            raise InvalidMessage("status: must be TGE for soort gereed", message_id=message_id)
        return _completion(mutatie, common, message_id=message_id)
    return _status_fact(mutatie, common, message_id=message_id)


def _status_fact(mutatie: Mutatie, common: dict[str, Any], *, message_id: str) -> OrderFact:
    status = mutatie.status
    if status is None:
        raise InvalidMessage("status: required for soort status", message_id=message_id)
    if status in _INFORMATION_CODES:
        return validated(InformationExchanged, {**common, "code": status})
    if status is DicoStatus.OND:
        return validated(OrderInterrupted, {**common, "reason": mutatie.reden})
    if status is DicoStatus.VER:
        # A lead-time extension needs the new deadline, and Roerdal's feed has no field
        # for one: refused with a reason rather than sent without its point.
        raise UnsupportedMessage(
            "status VER: Roerdal's mutatie carries no new deadline", message_id=message_id
        )
    if status is DicoStatus.TGE:
        # A bare TGE status (without a gereed mutatie) completes at the mutatie's time.
        return _completion(mutatie, common, message_id=message_id)
    return validated(STATUS_FACTS[status], common)


def _completion(mutatie: Mutatie, common: dict[str, Any], *, message_id: str) -> OrderFact:
    return TechnicallyCompleted(
        **common,
        completed_at=mutatie.wanneer,
        first_time_fix=mutatie.first_time_fix,
        # Roerdal reports the hours of a werkbon as one total, without a mechanic.
        hours=() if mutatie.uren is None else (HourLine(hours=mutatie.uren),),
        materials=tuple(
            MaterialLine(
                description=line.omschrijving,
                quantity=line.aantal,
                unit=unit_of(line.eenheid, message_id=message_id),
                unit_price=line.prijs,
            )
            for line in mutatie.materiaal or ()
        ),
    )
