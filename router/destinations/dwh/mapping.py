"""Order facts to the data warehouse's records, and social signals to counts.

Pure functions over what the entitlement gave the warehouse (``router.entitlement``):
the fact as JSON without personal, special-category and free-text fields, or, for a
social signal, only its type, month and category. On top of that the warehouse
record is a schema of its own, made for KPIs (lead times, first-time fix, costs per
partner): codes, dates, amounts and counts, no text at all. The order number and the
dwelling (VHE) become keyed pseudonyms (``pseudonym``); the partner stays (KPIs are
per partner); the partner's own references, the mechanic and the tenant are not in
it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts import FACT_TYPES
from contracts.dwh import DwhSignalCount
from router.destinations.dwh.pseudonym import Pseudonymiser
from router.entitlement import Counted, Redacted

CENT = Decimal("0.01")
ROUTES = frozenset(FACT_TYPES)
"""Every fact: order facts as records, social signals as counts."""

_KEEP: dict[str, tuple[str, ...]] = {
    "order.interrupted": ("reason",),
    "order.lead-time-extended": ("new_deadline",),
    "order.appointment-planned": ("starts_at", "ends_at"),
    "order.technically-completed": ("completed_at", "first_time_fix", "cause", "nlsfb_element"),
    "order.information-exchanged": ("code",),
    "order.invoice-submitted": (
        "invoice_date", "due_date", "reverse_charge", "total_excl_vat", "total_vat",
        "total_incl_vat", "g_account_amount",
    ),
    "order.assigned": ("kind", "deadline", "nlsfb_element"),
}  # fmt: skip
"""Per fact type, the KPI fields kept as they are (codes, dates, amounts, flags)."""


def order_record(fact: Redacted, pseudonym: Pseudonymiser) -> dict[str, Any]:
    """The warehouse record of one order fact."""
    data = fact.data
    model = FACT_TYPES[fact.fact_type]
    status = getattr(model, "dico_status", None) or data.get("code")
    record: dict[str, Any] = {
        "id": fact.id,
        "type": fact.fact_type,
        "order": pseudonym("order", data["order_number"]),
        "partner": fact.producer,
        "occurred_at": data["occurred_at"],
        "status": str(status) if status is not None else None,
    }
    for name in _KEEP.get(fact.fact_type, ()):
        if data.get(name) is not None:
            record[name] = data[name]
    if fact.fact_type == "order.technically-completed":
        record.update(_spent(data))
    elif fact.fact_type == "order.invoice-submitted":
        record["invoice_lines"] = len(data.get("lines", ()))
    elif fact.fact_type == "order.assigned":
        record["assigned_to"] = data["partner"]
        record["unit"] = pseudonym("unit", data["unit_code"])
    return record


def _spent(data: dict[str, Any]) -> dict[str, Any]:
    hours = data.get("hours", ())
    materials = data.get("materials", ())
    priced = [m for m in materials if m.get("unit_price") is not None]
    amount = sum(
        (
            (Decimal(m["quantity"]) * Decimal(m["unit_price"])).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
            for m in priced
        ),
        Decimal("0.00"),
    )
    return {
        "hours": str(sum((Decimal(line["hours"]) for line in hours), Decimal(0))),
        "material_lines": len(materials),
        "material_amount": str(amount),
    }


def count_key(counted: Counted, partition: int) -> str:
    """The key of a running count: month, category and the source partition.

    The partition is in the key so that router instances sharing the work never
    write the same count: each counts the signals of the partitions it owns, and the
    warehouse sums the partitions of a month and category.
    """
    category = counted.codes.get("category", "")
    return f"{counted.month}/{category}/{partition}"


def count_record(key: str, count: int) -> dict[str, Any]:
    """The value of a running count, checked against its contract (``DwhSignalCount``)."""
    month, category, partition = key.split("/")
    record = {"month": month, "category": category, "partition": int(partition), "count": count}
    return DwhSignalCount.model_validate(record).to_json()
