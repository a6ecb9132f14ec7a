"""The maintenance system's new work order (VERA ``Onderhoudsorder`` JSON) as a canonical
``order.assigned`` fact. A pure function, like an inbound adapter.

Which VERA fields carry what (OHD ``Onderhoudsorders-Onderhoudsorder``; the reasons
are in docs/outbound.md):

=================  =============================================================
order number       ``id`` (the corporation's opdrachtnummer is the order's VERA id)
kind               ``onderhoudSoort.code``: ``REP`` or ``MUT`` (ONDERHOUDSOORT)
description        ``omschrijving``
deadline           ``uitersteGereeddatum`` (date-time with offset; VERA sends UTC)
assigned at        ``opdrachtdatum``
partner            the ``relaties[]`` entry with a role ``OPN`` (opdrachtnemer): its
                   ``code`` is the ketenbus partner id
contact            the ``relaties[]`` entry with a role ``HUU`` or ``BEW``: its name,
                   and a ``contactgegevens[]`` of soort ``TEL`` or ``MOB``
address            ``afspraken[].locatie`` (the appointment asked for, at the unit's
                   address): postcode, huisnummer, huisletter+huisnummerToevoeging,
                   woonplaats.naam
VHE                ``defecten[].eenheid.code``
NL-SfB element     ``defecten[].bouwkundigElement.code`` (optional)
=================  =============================================================

Unknown fields are ignored (VERA has many). Errors name the VERA field, never its
value: a work order holds a tenant's name, address and phone number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connectors.adapter import invalid
from connectors.errors import InvalidMessage, UnreadableMessage
from contracts import (
    Address,
    CanonicalEvent,
    OrderAssigned,
    Ownership,
    TenantContact,
    classify,
    event_id,
)
from contracts.workorder import Onderhoudsorder

PRODUCER = "onderhoud"
"""The corporation's maintenance system: it produces the work orders."""
SOURCE = "/corporation/onderhoud/workorders"
KINDS = ("REP", "MUT")
PARTNER_ROLE = "OPN"  # RELATIEROLSOORT opdrachtnemer
CONTACT_ROLES = ("HUU", "BEW")  # huurder, bewoner
_NLSFB = re.compile(r"\d{2}(\.\d{1,2})?", re.ASCII)


def parse(body: bytes) -> Onderhoudsorder:
    """Read the VERA JSON; a typed error names what is wrong."""
    try:
        document: Any = json.loads(body, parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableMessage(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise UnreadableMessage("not a JSON object (one Onderhoudsorder)")
    found = document.get("id")
    message_id = found if isinstance(found, str) and len(found) <= 40 else ""
    try:
        return Onderhoudsorder.model_validate(document)
    except ValidationError as exc:
        raise invalid(exc, message_id=message_id) from None


def assigned_fact(order: Onderhoudsorder, *, partners: Collection[str]) -> OrderAssigned:
    """The canonical fact; ``partners`` are the partner ids an order may name."""

    def refuse(reason: str) -> InvalidMessage:
        return InvalidMessage(reason, message_id=order.id)

    kind = order.onderhoudSoort.code
    if kind not in KINDS:
        raise refuse("onderhoudSoort.code: REP or MUT expected")
    executors = [r for r in order.relaties if r.has_role(PARTNER_ROLE)]
    if len(executors) != 1 or not executors[0].code:
        raise refuse("relaties: exactly one relatie with rol OPN (opdrachtnemer) and a code")
    partner = executors[0].code
    if partner not in partners:
        raise refuse(f"relaties[OPN].code: not a known partner (known: {sorted(partners)})")
    location = next((a.locatie for a in order.afspraken if a.locatie is not None), None)
    if location is None:
        raise refuse("afspraken[].locatie: the address of the work is required")
    for name, value in (
        ("postcode", location.postcode),
        ("huisnummer", location.huisnummer),
        ("woonplaats.naam", location.woonplaats.naam if location.woonplaats else None),
    ):
        if not value:
            raise refuse(f"afspraken[].locatie.{name}: required")
    unit = next((d.eenheid.code for d in order.defecten if d.eenheid and d.eenheid.code), None)
    if unit is None:
        raise refuse("defecten[].eenheid.code: the VHE is required")
    element = next((d.bouwkundigElement.code for d in order.defecten if d.bouwkundigElement), None)
    if element is not None and not _NLSFB.fullmatch(element):
        raise refuse("defecten[].bouwkundigElement.code: not an NL-SfB element code like 52.11")
    tenant = next((r for r in order.relaties if r.has_role(*CONTACT_ROLES)), None)
    contact = (
        TenantContact(name=tenant.name, phone=tenant.phone)
        if tenant is not None and (tenant.name or tenant.phone)
        else None
    )
    addition = "".join(p for p in (location.huisletter, location.huisnummerToevoeging) if p)
    try:
        return OrderAssigned(
            order_number=order.id,
            occurred_at=order.opdrachtdatum,
            partner=partner,
            kind=kind,
            description=order.omschrijving,
            deadline=order.uitersteGereeddatum,
            address=Address(
                postcode=location.postcode,
                house_number=location.huisnummer,
                addition=addition or None,
                city=location.woonplaats.naam if location.woonplaats else None,
            ),
            unit_code=unit,
            contact=contact,
            nlsfb_element=element,
        )
    except ValidationError as exc:
        raise invalid(exc, message_id=order.id) from None


def workorder_event(body: bytes, *, partners: Collection[str]) -> CanonicalEvent:
    """A work order as a canonical event whose id derives from the VERA order id only,
    so a work order produced twice is the same fact, handed to the partner once."""
    order = parse(body)
    fact = assigned_fact(order, partners=partners)
    return CanonicalEvent(
        id=event_id(PRODUCER, order.id, 0),
        source=SOURCE,
        ownership=Ownership(
            producer=PRODUCER,
            classification=classify(fact),
            purpose=fact.purpose,
            retention=fact.retention,
        ),
        data=fact,
    )
