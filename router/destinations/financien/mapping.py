"""Invoices to VERA OHD ``POST /inkoopfacturen`` (``Inkoopfacturen-Inkoopfactuurbericht``).

A pure function, the corporation's rules (vera-mapping.md) field by field:

* ``externFactuurnummer`` the partner's invoice number, ``factuurdatum``,
  ``vervaldatum``, ``bedrag`` (incl. btw), ``btwBedrag``, ``gRekeningbedrag``,
  ``status`` REG, ``soort`` DEX (debet factuur extern: the contract has no credit
  notes, its G-rekening rule refuses a negative total);
* ``regels`` (never the obsolete ``factuurregels``): per line ``omschrijving``,
  ``bedrag`` (excl. btw), ``btwTarief`` (21 % ALG, 9 % VER, 0 % NUL) and
  ``btwAangiftebedrag``: the btw of each rate spread over its lines by the largest
  remainder, so the lines add up to the invoice's own btw per rate to the cent;
  with reverse charge (btw verlegd) every line's btw is 0.00 and the rate's code
  stays, so finance knows which rate to declare;
* the order: the schema has no field for it, so it travels as VERA's own extension,
  ``extra-attributen`` ``{naam: opdrachtnummer, waarde: WL-...}``, with the partner
  id (``partner``) and, for reverse charge, ``btwVerlegd: ja``.

An invoice that does not add up never becomes a call: the contract refuses it, and
this mapping checks it again, and checks its own body, raising ``Unmappable``.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from contracts import InvoiceSubmitted, invoice_differences
from contracts.vera_codes import Btw, FactuurSoort, InkoopfactuurStatus
from kit.delivery.errors import Unmappable
from router.vera_client import VeraCall

CENT = Decimal("0.01")
PATH = "/inkoopfacturen"
ROUTES = frozenset({InvoiceSubmitted.fact_type})

RATE_CODE: dict[Decimal, Btw] = {
    Decimal(21): Btw.ALG,
    Decimal(9): Btw.VER,
    Decimal(0): Btw.NUL,
}
"""VERA BTW for a btw rate in percent (the Dutch rates since 2019)."""


def to_vera(invoice: InvoiceSubmitted, *, partner: str) -> VeraCall:
    """The POST for one invoice; ``Unmappable`` if it does not add up or has no VERA codes."""
    problems = invoice_differences(invoice)
    if problems:
        raise Unmappable(f"invoice does not add up: {'; '.join(problems)}")
    vats = _line_vats(invoice)
    regels = [
        {
            "omschrijving": line.description,
            "bedrag": line.amount_excl_vat,
            "btwAangiftebedrag": vat,
            "btwTarief": _code(_rate_code(line.vat_rate)),
        }
        for line, vat in zip(invoice.lines, vats, strict=True)
    ]
    extra = [
        {"naam": "opdrachtnummer", "waarde": invoice.order_number},
        {"naam": "partner", "waarde": partner},
    ]
    if invoice.reverse_charge:
        extra.append({"naam": "btwVerlegd", "waarde": "ja"})
    body: dict[str, Any] = {
        "soort": _code(FactuurSoort.DEX),
        "status": _code(InkoopfactuurStatus.REG),
        "externFactuurnummer": invoice.invoice_number,
        "factuurdatum": invoice.invoice_date.isoformat(),
        "vervaldatum": invoice.due_date.isoformat(),
        "bedrag": invoice.total_incl_vat,
        "btwBedrag": invoice.total_vat,
        "gRekeningbedrag": invoice.g_account_amount,
        "regels": regels,
        "extra-attributen": extra,
    }
    _check_adds_up(body)
    return VeraCall("POST", PATH, body)


def _line_vats(invoice: InvoiceSubmitted) -> list[Decimal]:
    """Each line's btw: its rate's stated btw spread by the largest remainder."""
    vats = [Decimal("0.00")] * len(invoice.lines)
    if invoice.reverse_charge:
        return vats
    stated = {total.rate: total.vat for total in invoice.vat_totals}
    for rate in {line.vat_rate for line in invoice.lines}:
        members = [i for i, line in enumerate(invoice.lines) if line.vat_rate == rate]
        exact = {i: invoice.lines[i].amount_excl_vat * rate / 100 for i in members}
        floor = {i: exact[i].quantize(CENT, rounding=ROUND_FLOOR) for i in members}
        missing = (stated[rate] - sum(floor.values(), Decimal(0))) / CENT
        if missing != missing.to_integral_value() or not 0 <= missing <= len(members):
            raise Unmappable(f"btw at {rate}% cannot be spread over its lines")
        by_remainder = sorted(members, key=lambda i: (-(exact[i] - floor[i]), i))
        for i in members:
            vats[i] = floor[i]
        for i in by_remainder[: int(missing)]:
            vats[i] = floor[i] + CENT
    return vats


def _rate_code(rate: Decimal) -> Btw:
    code = RATE_CODE.get(rate)
    if code is None:
        raise Unmappable(f"btw rate {rate}% has no VERA BTW code")
    return code


def _check_adds_up(body: dict[str, Any]) -> None:
    """The body itself adds up: lines + btw = bedrag, line btw = btwBedrag."""
    regels = body["regels"]
    excl = sum((regel["bedrag"] for regel in regels), Decimal(0))
    vat = sum((regel["btwAangiftebedrag"] for regel in regels), Decimal(0))
    if vat != body["btwBedrag"] or excl + vat != body["bedrag"]:
        raise Unmappable("the VERA invoice body does not add up")


def _code(code: StrEnum) -> dict[str, str]:
    return {"code": code.value}
