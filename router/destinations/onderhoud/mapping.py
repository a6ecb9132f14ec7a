"""Canonical order facts to VERA OHD ``PATCH /onderhoudsorders/{opdrachtnummer}``.

The corporation's table (vera-mapping.md), row by row. A pure function: a fact in,
the VERA call out, or ``None`` when the maintenance system gets no call for it (REG,
VAN and the information requests stay on the canonical topic for the data warehouse
and ops). Choices where the table is silent are written down in
docs/destinations/onderhoud.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts import (
    AdministrativelyCompleted,
    AppointmentPlanned,
    DicoCause,
    DicoDetail,
    LeadTimeExtended,
    OrderAccepted,
    OrderCancelled,
    OrderFact,
    OrderInterrupted,
    OrderRefused,
    TechnicallyCompleted,
    end_of_local_day_utc,
)
from router.vera_client import VeraCall

CENT = Decimal("0.01")

# VERA ONDERHOUDSTAAKDETAILSTATUS for a DICO interruption reason. DICO's AFW
# ("afwachten i.v.m. weer") is NOT VERA's AFW ("klant niet aanwezig"): it maps to
# nothing. BNT ("gebruiker niet aanwezig") is the one that becomes VERA AFW.
INTERRUPTION_DETAIL: dict[DicoDetail, str] = {
    DicoDetail.BNT: "AFW",
    DicoDetail.MIB: "MAT",
    DicoDetail.OHD: "MAT",
    DicoDetail.AVW: "INS",
    DicoDetail.AWE: "OFF",
}

# VERA DEFECTOORZAAK for a DICO cause: the tenant (HUU) is VERA's BEW (bewoner).
CAUSE: dict[DicoCause, str] = {
    DicoCause.HUU: "BEW",
    DicoCause.SLT: "SLT",
    DicoCause.OUD: "OUD",
}

# VERA ONDERHOUDSORDERSTATUS for the facts that set one.
ORDER_STATUS: dict[type[OrderFact], str] = {
    OrderAccepted: "INB",
    OrderRefused: "REG",
    AppointmentPlanned: "PLN",
    OrderInterrupted: "INB",
    TechnicallyCompleted: "TEC",
    AdministrativelyCompleted: "FIN",
    OrderCancelled: "GEA",
}


def order_path(order_number: str) -> str:
    return f"/onderhoudsorders/{order_number}"


def to_vera(fact: OrderFact, *, with_status: bool = True) -> VeraCall | None:
    """The PATCH for a fact, or None when the maintenance system gets no call.

    ``with_status=False`` leaves ``status`` out: the router does that for a fact older
    than the last status already applied, so a late ACC never moves a TEC order back.
    """
    body = _body(fact)
    if body is None:
        return None
    status = ORDER_STATUS.get(type(fact))
    if status is not None and with_status:
        body = {"status": _code(status), **body}
    if not body:
        return None
    return VeraCall("PATCH", order_path(fact.order_number), body)


def _body(fact: OrderFact) -> dict[str, Any] | None:
    match fact:
        case AppointmentPlanned():
            return {
                "afspraken": [
                    {
                        "status": _code("GEP"),
                        "begindatum": _utc(fact.starts_at),
                        "einddatum": _utc(fact.ends_at),
                    }
                ]
            }
        case OrderInterrupted():
            task: dict[str, Any] = {"status": _code("OND")}
            detail = INTERRUPTION_DETAIL.get(fact.reason) if fact.reason else None
            if detail is not None:
                task["detailStatus"] = _code(detail)
            return {"onderhoudstaken": [task]}
        case LeadTimeExtended():
            return {"uitersteGereeddatum": _utc(end_of_local_day_utc(fact.new_deadline))}
        case TechnicallyCompleted():
            return _completion(fact)
        case OrderRefused():
            if not fact.note:
                return {}
            return {"informatieobjecten": [{"titel": "Reden weigering", "beschrijving": fact.note}]}
        case OrderAccepted() | AdministrativelyCompleted() | OrderCancelled():
            return {}
    return None


def _completion(fact: TechnicallyCompleted) -> dict[str, Any]:
    spent: list[dict[str, Any]] = [
        {"soort": _code("WER"), "aantal": line.hours, "meeteenheid": _code("UUR")}
        for line in fact.hours
    ]
    for material in fact.materials:
        besteding: dict[str, Any] = {
            "soort": _code("MAT"),
            "omschrijving": material.description,
            "aantal": material.quantity,
            "meeteenheid": _code(material.unit.value),
        }
        if material.unit_price is not None:
            besteding["bedrag"] = (material.quantity * material.unit_price).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        spent.append(besteding)
    body: dict[str, Any] = {
        "technischGereeddatum": _utc(fact.completed_at),
        "onderhoudstaken": [{"status": _code("GER"), "onderhoudsbestedingen": spent}],
    }
    defect: dict[str, Any] = {}
    if fact.cause is not None:
        defect["oorzaak"] = _code(CAUSE[fact.cause])
    if fact.nlsfb_element is not None:
        defect["bouwkundigElement"] = {"code": fact.nlsfb_element}
    if defect:
        body["defecten"] = [defect]
    return body


def _code(code: str) -> dict[str, str]:
    return {"code": code}


def _utc(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))
