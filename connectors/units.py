"""Partner units of measure to the contract's units (VERA MEETEENHEID codes).

Partners write ``ST`` or ``M``; VERA knows ``STU`` and ``MTR``. Shared by all
adapters, so one partner's spelling is learnt once.
"""

from __future__ import annotations

from connectors.errors import InvalidMessage
from contracts import Unit

_PARTNER_UNITS: dict[str, Unit] = {
    "UUR": Unit.UUR,
    "U": Unit.UUR,
    "ST": Unit.STU,
    "STK": Unit.STU,
    "STU": Unit.STU,
    "STUKS": Unit.STU,
    "M": Unit.MTR,
    "M1": Unit.MTR,
    "MTR": Unit.MTR,
    "M2": Unit.M2,
    "M3": Unit.M3,
    "L": Unit.LTR,
    "LTR": Unit.LTR,
    "KG": Unit.KGR,
    "KGR": Unit.KGR,
    "MIN": Unit.MIN,
}


def unit_of(partner_unit: str, *, message_id: str = "") -> Unit:
    """The contract unit for a partner's unit code (case and spaces ignored)."""
    try:
        return _PARTNER_UNITS[partner_unit.strip().upper()]
    except KeyError:
        known = ", ".join(sorted(_PARTNER_UNITS))
        raise InvalidMessage(
            f"unknown unit {partner_unit.strip()[:10]!r} (known: {known})", message_id=message_id
        ) from None
