"""Canonical order facts to VERA OHD ``PATCH /onderhoudsorders/{opdrachtnummer}``.

The corporation's table (vera-mapping.md), row by row. A pure function: a fact in,
the VERA call out, or ``None`` when the maintenance system gets no call for it (REG,
VAN and the information requests stay on the canonical topic for the data warehouse
and ops). Choices where the table is silent are written down in
docs/destinations/onderhoud.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from contracts import (
    AdministrativelyCompleted,
    AppointmentPlanned,
    CancellationRequested,
    DicoCause,
    DicoDetail,
    InformationExchanged,
    LeadTimeExtended,
    OrderAccepted,
    OrderCancelled,
    OrderFact,
    OrderInterrupted,
    OrderRefused,
    OrderRegistered,
    TechnicallyCompleted,
    end_of_local_day_utc,
)
from contracts.vera_codes import (
    AfspraakStatus,
    DefectOorzaak,
    OnderhoudsbestedingSoort,
    OnderhoudsorderStatus,
    OnderhoudstaakDetailStatus,
    OnderhoudstaakStatus,
    Unit,
)
from router.vera_client import VeraCall

CENT = Decimal("0.01")

ROUTES = frozenset(
    model.fact_type
    for model in (
        OrderRegistered,
        OrderAccepted,
        OrderRefused,
        AppointmentPlanned,
        OrderInterrupted,
        LeadTimeExtended,
        TechnicallyCompleted,
        AdministrativelyCompleted,
        CancellationRequested,
        OrderCancelled,
        InformationExchanged,
    )
)
"""The fact types of the mapping table, including those that make no call (REG, VAN, info)."""

# VERA ONDERHOUDSTAAKDETAILSTATUS for a DICO interruption reason. DICO's AFW
# ("afwachten i.v.m. weer") is NOT VERA's AFW ("klant niet aanwezig"): it maps to
# nothing. BNT ("gebruiker niet aanwezig") is the one that becomes VERA AFW.
INTERRUPTION_DETAIL: dict[DicoDetail, OnderhoudstaakDetailStatus] = {
    DicoDetail.BNT: OnderhoudstaakDetailStatus.AFW,
    DicoDetail.MIB: OnderhoudstaakDetailStatus.MAT,
    DicoDetail.OHD: OnderhoudstaakDetailStatus.MAT,
    DicoDetail.AVW: OnderhoudstaakDetailStatus.INS,
    DicoDetail.AWE: OnderhoudstaakDetailStatus.OFF,
}

# VERA DEFECTOORZAAK for a DICO cause: the tenant (HUU) is VERA's BEW (bewoner).
CAUSE: dict[DicoCause, DefectOorzaak] = {
    DicoCause.HUU: DefectOorzaak.BEW,
    DicoCause.SLT: DefectOorzaak.SLT,
    DicoCause.OUD: DefectOorzaak.OUD,
}

# VERA ONDERHOUDSORDERSTATUS for the facts that set one.
ORDER_STATUS: dict[type[OrderFact], OnderhoudsorderStatus] = {
    OrderAccepted: OnderhoudsorderStatus.INB,
    OrderRefused: OnderhoudsorderStatus.REG,
    AppointmentPlanned: OnderhoudsorderStatus.PLN,
    OrderInterrupted: OnderhoudsorderStatus.INB,
    TechnicallyCompleted: OnderhoudsorderStatus.TEC,
    AdministrativelyCompleted: OnderhoudsorderStatus.FIN,
    OrderCancelled: OnderhoudsorderStatus.GEA,
}


def order_path(order_number: str) -> str:
    return f"/onderhoudsorders/{order_number}"


def to_vera(fact: OrderFact, *, with_status: bool = True) -> VeraCall | None:
    """The PATCH for a fact, or None when the maintenance system gets no call.

    ``with_status=False`` is for a fact older than the last status already applied: it
    leaves ``status`` out, so a late ACC never moves a TEC order back, and a late
    interruption makes no call at all (its only content is the task status OND, and a
    merge-PATCH of ``onderhoudstaken`` would replace the tasks already completed).
    Other content still goes: a late appointment, refusal note or completion with its
    hours and materials.
    """
    if isinstance(fact, OrderInterrupted) and not with_status:
        return None
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
                        "status": _code(AfspraakStatus.GEP),
                        "begindatum": _utc(fact.starts_at),
                        "einddatum": _utc(fact.ends_at),
                    }
                ]
            }
        case OrderInterrupted():
            task: dict[str, Any] = {"status": _code(OnderhoudstaakStatus.OND)}
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
        {
            "soort": _code(OnderhoudsbestedingSoort.WER),
            "aantal": line.hours,
            "meeteenheid": _code(Unit.UUR),
        }
        for line in fact.hours
    ]
    for material in fact.materials:
        besteding: dict[str, Any] = {
            "soort": _code(OnderhoudsbestedingSoort.MAT),
            "omschrijving": material.description,
            "aantal": material.quantity,
            "meeteenheid": _code(material.unit),
        }
        if material.unit_price is not None:
            besteding["bedrag"] = (material.quantity * material.unit_price).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        spent.append(besteding)
    body: dict[str, Any] = {
        "technischGereeddatum": _utc(fact.completed_at),
        "onderhoudstaken": [
            {"status": _code(OnderhoudstaakStatus.GER), "onderhoudsbestedingen": spent}
        ],
    }
    defect: dict[str, Any] = {}
    if fact.cause is not None:
        defect["oorzaak"] = _code(CAUSE[fact.cause])
    if fact.nlsfb_element is not None:
        defect["bouwkundigElement"] = {"code": fact.nlsfb_element}
    if defect:
        body["defecten"] = [defect]
    return body


def _code(code: StrEnum) -> dict[str, str]:
    return {"code": code.value}


def _utc(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))
