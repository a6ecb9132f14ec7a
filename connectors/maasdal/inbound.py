"""Maasdal webhook JSON to canonical facts (see ``_message.py`` for the format)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from connectors import exact_json
from connectors.adapter import invalid
from connectors.errors import InvalidMessage, UnreadableMessage
from connectors.maasdal._message import Gereed, MaasdalBericht, Status
from connectors.units import unit_of
from contracts import (
    STATUS_FACTS,
    AppointmentPlanned,
    CanonicalEvent,
    DicoStatus,
    HourLine,
    InformationExchanged,
    LeadTimeExtended,
    MaterialLine,
    OrderFact,
    OrderInterrupted,
    RawMessage,
    SocialSignalRaised,
    TechnicallyCompleted,
    TenantContact,
    local_to_utc,
    validated,
)

PARTNER = "maasdal"
_INFORMATION_CODES = {DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA}


def translate(raw: RawMessage) -> list[CanonicalEvent]:
    """The canonical events in one Maasdal webhook message."""
    bericht = parse(raw.body)
    fact = _fact(bericht)
    return [
        CanonicalEvent.create(
            fact,
            partner=PARTNER,
            channel=raw.channel,
            partner_message_id=bericht.berichtId,
            traceparent=raw.traceparent,
        )
    ]


def parse(body: bytes) -> MaasdalBericht:
    """Read the JSON with exact decimals; a typed error says what is wrong."""
    try:
        document: Any = exact_json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableMessage(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise UnreadableMessage("not a JSON object")
    found_id = document.get("berichtId")
    message_id = found_id if isinstance(found_id, str) else ""
    try:
        return validated(MaasdalBericht, document)
    except ValidationError as exc:
        raise invalid(exc, message_id=message_id) from None


def _fact(bericht: MaasdalBericht) -> OrderFact:
    common: dict[str, Any] = {
        "order_number": bericht.opdrachtnummer,
        "partner_reference": bericht.werkbonnummer,
        "occurred_at": bericht.tijdstip,
    }
    if bericht.huurder is not None:
        common["tenant"] = validated(
            TenantContact, {"name": bericht.huurder.naam, "phone": bericht.huurder.telefoon}
        )
    try:
        return _typed_fact(bericht, common)
    except ValidationError as exc:
        raise invalid(exc, message_id=bericht.berichtId) from None


def _typed_fact(bericht: MaasdalBericht, common: dict[str, Any]) -> OrderFact:
    kind = bericht.berichtType
    if kind == "AFSPRAAK" and bericht.afspraak is not None:
        afspraak = bericht.afspraak
        return validated(
            AppointmentPlanned,
            {
                **common,
                # Maasdal's appointment is a local date with local times of day.
                "starts_at": local_to_utc(datetime.combine(afspraak.datum, afspraak.van)),
                "ends_at": local_to_utc(datetime.combine(afspraak.datum, afspraak.tot)),
                "mechanic": afspraak.monteur,
            },
        )
    if kind == "GEREED" and bericht.gereed is not None:
        return _completion(bericht.gereed, common, message_id=bericht.berichtId)
    if kind == "SIGNALERING" and bericht.signalering is not None:
        return validated(
            SocialSignalRaised,
            {
                **common,
                "category": bericht.signalering.categorie,
                "signal_note": bericht.signalering.toelichting,
                "urgent": bericht.signalering.urgent,
            },
        )
    if kind == "STATUS" and bericht.status is not None:
        return _status_fact(bericht.status, common, message_id=bericht.berichtId)
    raise InvalidMessage(
        f"{kind.lower()}: required for berichtType {kind}", message_id=bericht.berichtId
    )


def _status_fact(status: Status, common: dict[str, Any], *, message_id: str) -> OrderFact:
    common = {**common, "note": status.toelichting}
    if status.code in _INFORMATION_CODES:
        return validated(InformationExchanged, {**common, "code": status.code})
    if status.code is DicoStatus.OND:
        return validated(OrderInterrupted, {**common, "reason": status.detailcode})
    if status.code is DicoStatus.VER:
        if status.nieuweGereeddatum is None:
            raise InvalidMessage(
                "status.nieuweGereeddatum: required with VER", message_id=message_id
            )
        return validated(LeadTimeExtended, {**common, "new_deadline": status.nieuweGereeddatum})
    if status.code is DicoStatus.TGE:
        # A bare TGE status (without a GEREED message) completes at the message's time.
        return validated(TechnicallyCompleted, {**common, "completed_at": common["occurred_at"]})
    return validated(STATUS_FACTS[status.code], common)


def _completion(gereed: Gereed, common: dict[str, Any], *, message_id: str) -> OrderFact:
    return validated(
        TechnicallyCompleted,
        {
            **common,
            "completed_at": gereed.gereedOp,
            "first_time_fix": gereed.eersteKeerGoed,
            "cause": gereed.oorzaak,
            "nlsfb_element": gereed.nlsfb,
            "hours": tuple(
                validated(HourLine, {"mechanic": uur.monteur, "hours": uur.aantal})
                for uur in gereed.uren
            ),
            "materials": tuple(
                validated(
                    MaterialLine,
                    {
                        "article_number": materiaal.artikelnummer,
                        "description": materiaal.omschrijving,
                        "quantity": materiaal.aantal,
                        "unit": unit_of(materiaal.eenheid, message_id=message_id),
                        "unit_price": materiaal.stukprijs,
                    },
                )
                for materiaal in gereed.materialen
            ),
        },
    )
