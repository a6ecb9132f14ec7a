"""The data warehouse's records, as published on ``keten.dwh.v1`` and
``keten.dwh.signal-counts.v1`` (``router.destinations.dwh`` writes them).

A contract of its own, next to the order facts: the warehouse's developers read these
records, not the canonical facts. Codes, dates, amounts and counts only; the order and
the dwelling are keyed pseudonyms (64 hex digits). A field that a fact type does not
have is absent, never ``null`` (only ``status`` is always there, ``null`` for a fact
without a DICO status). The destination validates every record against these models
before it writes it, so what is on the topic is what the schema says.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts._codes import DicoCause, DicoDetail
from contracts._envelope import CONTENT_TYPE, SPEC_VERSION, cloudevents_type, dataschema
from contracts._facts import Money, Quantity, SignalCategory, UtcDatetime

ORDER_FACT = "dwh.order-fact"
"""The record of one order fact (``ce_type`` ``nl.ketenbus.dwh.order-fact.v1``)."""
SIGNAL_COUNT = "dwh.signal-count"
"""A running count of social signals (``ce_type`` ``nl.ketenbus.dwh.signal-count.v1``)."""

SOURCE = "/ketenbus/router/dwh"
"""The ``ce_source`` of every warehouse record."""


def ce_headers(kind: str, *, id: str, subject: str, time: str) -> tuple[tuple[str, bytes], ...]:
    """The CloudEvents headers (binary binding) of a warehouse record of ``kind``
    (``ORDER_FACT`` or ``SIGNAL_COUNT``)."""
    values = {
        "specversion": SPEC_VERSION,
        "id": id,
        "source": SOURCE,
        "type": cloudevents_type(kind),
        "subject": subject,
        "time": time,
        "dataschema": dataschema(kind),
    }
    return (
        ("content-type", CONTENT_TYPE.encode()),
        *((f"ce_{name}", value.encode()) for name, value in values.items()),
    )


Pseudonym = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        description="HMAC-SHA256 with the warehouse's pseudonym key: stable, not reversible.",
    ),
]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        """The record as written: the fields it has, absent ones left out."""
        dumped: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return dumped


class DwhOrderFact(_Record):
    """One order fact as the warehouse gets it: its KPIs, without names, phone numbers,
    free text or the partner's own references."""

    id: str = Field(
        json_schema_extra={"format": "uuid"},
        description="The canonical event id (ce_id): one record per id.",
    )
    type: str = Field(description="The canonical fact type, e.g. order.accepted.")
    order: Pseudonym = Field(description="The order number's pseudonym (also the key).")
    partner: str = Field(description="The partner (a company) that reported the fact.")
    occurred_at: UtcDatetime = Field(description="When it happened at the partner, in UTC.")
    status: str | None = Field(description="The DICO status code, null if the fact has none.")
    reason: DicoDetail | None = Field(default=None, description="Interruption: DICO detail.")
    new_deadline: date | None = Field(default=None, description="Lead time: the new date.")
    starts_at: UtcDatetime | None = Field(default=None, description="Appointment start.")
    ends_at: UtcDatetime | None = Field(default=None, description="Appointment end.")
    completed_at: UtcDatetime | None = Field(default=None, description="Completion time.")
    first_time_fix: bool | None = Field(default=None, description="Done at the first visit.")
    cause: DicoCause | None = Field(default=None, description="Completion: the cause found.")
    nlsfb_element: str | None = Field(default=None, description="NL-SfB building element.")
    hours: Quantity | None = Field(default=None, description="Completion: hours worked.")
    material_lines: int | None = Field(default=None, ge=0, description="Material lines.")
    material_amount: Money | None = Field(
        default=None, description="Completion: sum of quantity x unit price (EUR)."
    )
    code: str | None = Field(default=None, description="Information exchanged: the code.")
    invoice_date: date | None = Field(default=None, description="Invoice: factuurdatum.")
    due_date: date | None = Field(default=None, description="Invoice: vervaldatum.")
    reverse_charge: bool | None = Field(default=None, description="Invoice: btw verlegd.")
    total_excl_vat: Money | None = Field(default=None, description="Invoice: excl. btw.")
    total_vat: Money | None = Field(default=None, description="Invoice: btw.")
    total_incl_vat: Money | None = Field(default=None, description="Invoice: incl. btw.")
    g_account_amount: Money | None = Field(default=None, description="Invoice: G-rekening.")
    invoice_lines: int | None = Field(default=None, ge=0, description="Invoice: lines.")
    kind: Literal["REP", "MUT"] | None = Field(default=None, description="Assigned: kind.")
    deadline: UtcDatetime | None = Field(default=None, description="Assigned: uiterste gereed.")
    assigned_to: str | None = Field(default=None, description="Assigned: the partner.")
    unit: Pseudonym | None = Field(default=None, description="Assigned: the dwelling's pseudonym.")


class DwhSignalCount(_Record):
    """The running count of social signals of one Dutch calendar month and category, as
    counted from one source partition (the warehouse sums the partitions)."""

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, Dutch time.")
    category: SignalCategory
    partition: int = Field(ge=0, description="The source partition that counted them.")
    count: int = Field(ge=1, description="The count so far: the latest value per key holds.")


EXAMPLE_RECORDS: dict[str, _Record] = {
    ORDER_FACT: DwhOrderFact.model_validate(
        {"id": "2f1c1d0e-5b8a-5d49-9a47-3b1c7e0b9a11", "type": "order.technically-completed",
         "order": "5f0c" + "0" * 60, "partner": "maasdal", "occurred_at": "2026-11-28T08:40:00Z",
         "status": "TGE", "completed_at": "2026-11-28T08:40:00Z", "first_time_fix": True,
         "cause": "SLT", "nlsfb_element": "52.11",
         "hours": "1.25", "material_lines": 2, "material_amount": "45.15"}
    ),
    SIGNAL_COUNT: DwhSignalCount.model_validate(
        {"month": "2026-11", "category": "VERWAARLOZING", "partition": 0, "count": 3}
    ),
}  # fmt: skip
"""One record of each kind, for the schemas, the AsyncAPI document and the docs."""
