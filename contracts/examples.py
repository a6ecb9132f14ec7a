"""One realistic event of every fact type, taken from the partners' samples.

They are the contract's examples everywhere: the JSON Schemas and the AsyncAPI
document show them, docs/contracts.md prints them, and the conformance tests (the
CNCF CloudEvents SDK, ``jsonschema``) run over them. Names and phone numbers are the
samples' invented ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from contracts._codes import DicoCause, DicoDetail, DicoStatus
from contracts._envelope import CanonicalEvent
from contracts._facts import (
    FACT_TYPES,
    Address,
    AdministrativelyCompleted,
    AppointmentPlanned,
    CancellationRequested,
    HourLine,
    InformationExchanged,
    InvoiceLine,
    InvoiceSubmitted,
    LeadTimeExtended,
    MaterialLine,
    OrderAccepted,
    OrderAssigned,
    OrderCancelled,
    OrderFact,
    OrderInterrupted,
    OrderRefused,
    OrderRegistered,
    SignalCategory,
    SocialSignalRaised,
    TechnicallyCompleted,
    TenantContact,
    VatTotal,
)
from contracts._ids import event_id
from contracts._ownership import Ownership, classify
from contracts.vera_codes import Unit

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


_MAASDAL = {"order_number": "WL-2026-004711", "partner_reference": "MD-88121"}
_HEUVELLAND = {"order_number": "WL-2026-004712", "partner_reference": "H-2026-3301"}

EXAMPLE_FACTS: dict[str, OrderFact] = {
    fact.fact_type: fact
    for fact in (
        OrderRegistered(
            order_number="WL-2026-004713",
            partner_reference="R-55120",
            occurred_at=_at("2026-11-26T08:10:02+01:00"),
        ),
        OrderAccepted(
            **_MAASDAL, occurred_at=_at("2026-11-26T08:02:11+01:00"), note="Opdracht geaccepteerd"
        ),
        OrderRefused(
            order_number="WL-2026-004725",
            partner_reference="MD-88150",
            occurred_at=_at("2026-11-26T09:30:00+01:00"),
            note="Geen capaciteit deze week",
        ),
        AppointmentPlanned(
            **_MAASDAL,
            occurred_at=_at("2026-11-26T08:15:40+01:00"),
            starts_at=_at("2026-11-28T08:00:00+01:00"),
            ends_at=_at("2026-11-28T10:00:00+01:00"),
            mechanic="Jeroen Habets",
            tenant=TenantContact(name="mevr. L. Crombach", phone="06-12345678"),
        ),
        OrderInterrupted(
            order_number="WL-2026-004720",
            partner_reference="MD-88140",
            occurred_at=_at("2026-11-27T14:20:00+01:00"),
            reason=DicoDetail.MIB,
            note="Pomp besteld, levertijd 3 werkdagen",
        ),
        LeadTimeExtended(
            order_number="WL-2026-004720",
            partner_reference="MD-88140",
            occurred_at=_at("2026-11-27T14:21:10+01:00"),
            new_deadline=date(2026, 12, 4),
            note="Levertijd pomp",
        ),
        TechnicallyCompleted(
            **_MAASDAL,
            occurred_at=_at("2026-11-28T09:47:02+01:00"),
            completed_at=_at("2026-11-28T09:40:00+01:00"),
            first_time_fix=True,
            cause=DicoCause.SLT,
            nlsfb_element="52.11",
            hours=(HourLine(mechanic="Jeroen Habets", hours=Decimal("1.25")),),
            materials=(
                MaterialLine(
                    article_number="TK-1190",
                    description="Thermostatische radiatorkraan",
                    quantity=Decimal("1"),
                    unit=Unit.STU,
                    unit_price=Decimal("38.95"),
                ),
                MaterialLine(
                    article_number="KL-0032",
                    description="Knelkoppeling 15 mm",
                    quantity=Decimal("2"),
                    unit=Unit.STU,
                    unit_price=Decimal("3.10"),
                ),
            ),
        ),
        AdministrativelyCompleted(**_HEUVELLAND, occurred_at=_at("2026-11-30T10:05:00+01:00")),
        CancellationRequested(
            order_number="WL-2026-004730",
            partner_reference="H-2026-3315",
            occurred_at=_at("2026-11-27T16:00:00+01:00"),
            note="Dakgoot is door de VvE al hersteld",
        ),
        OrderCancelled(
            order_number="WL-2026-004730",
            partner_reference="H-2026-3315",
            occurred_at=_at("2026-11-28T08:30:00+01:00"),
        ),
        InformationExchanged(
            order_number="WL-2026-004714",
            partner_reference="G-7781",
            occurred_at=_at("2026-11-26T07:58:00+01:00"),
            code=DicoStatus.VIN,
            note="Welke verdieping? Lift aanwezig?",
        ),
        SocialSignalRaised(
            **_MAASDAL,
            occurred_at=_at("2026-11-28T09:52:30+01:00"),
            category=SignalCategory.VERWAARLOZING,
            signal_note="Bewoonster woont alleen, woning sterk vervuild, veel ongeopende post.",
            urgent=True,
        ),
        InvoiceSubmitted(
            **_HEUVELLAND,
            occurred_at=_at("2026-11-30T09:00:00+01:00"),
            invoice_number="F2026-01877",
            invoice_date=date(2026, 11, 30),
            due_date=date(2026, 12, 30),
            reverse_charge=False,
            lines=(
                InvoiceLine(
                    description="Arbeid timmerman",
                    quantity=Decimal("2.50"),
                    unit=Unit.UUR,
                    unit_price=Decimal("58.50"),
                    amount_excl_vat=Decimal("146.25"),
                    vat_rate=Decimal("21"),
                ),
                InvoiceLine(
                    description="Insteekslot SKG** met cilinder",
                    quantity=Decimal("1"),
                    unit=Unit.STU,
                    unit_price=Decimal("24.95"),
                    amount_excl_vat=Decimal("24.95"),
                    vat_rate=Decimal("21"),
                ),
            ),
            vat_totals=(
                VatTotal(rate=Decimal("21"), base=Decimal("171.20"), vat=Decimal("35.95")),
            ),
            total_excl_vat=Decimal("171.20"),
            total_vat=Decimal("35.95"),
            total_incl_vat=Decimal("207.15"),
            g_account_amount=Decimal("0.00"),
        ),
        OrderAssigned(
            order_number="WL-2026-004740",
            occurred_at=_at("2026-11-29T11:00:00+01:00"),
            partner="maasdal",
            kind="REP",
            description="Radiator woonkamer wordt niet warm",
            deadline=_at("2026-12-06T23:59:59+01:00"),
            address=Address(postcode="6211 AB", house_number="12", addition="a", city="Maastricht"),
            unit_code="VHE-004512",
            contact=TenantContact(name="dhr. P. Vaessen", phone="043-1234567"),
            nlsfb_element="56.21",
        ),
    )
}
"""One realistic fact of every type, by fact type."""

# Where each example came in: partner, channel, the partner's message id.
_ORIGIN: dict[str, tuple[str, str, str]] = {
    "order.registered": ("roerdal", "poll", "991200"),
    "order.accepted": ("maasdal", "webhook", "MD-20261126-000101"),
    "order.refused": ("maasdal", "webhook", "MD-20261126-000140"),
    "order.appointment-planned": ("maasdal", "webhook", "MD-20261126-000102"),
    "order.interrupted": ("maasdal", "webhook", "MD-20261127-000233"),
    "order.lead-time-extended": ("maasdal", "webhook", "MD-20261127-000234"),
    "order.technically-completed": ("maasdal", "webhook", "MD-20261128-000417"),
    "order.administratively-completed": ("heuvelland", "file", "HB-77850"),
    "order.cancellation-requested": ("heuvelland", "file", "HB-77843"),
    "order.cancelled": ("heuvelland", "file", "HB-77860"),
    "order.information-exchanged": ("gulpdal", "file", "gulpdal_werkbonnen_20261126.csv:2"),
    "order.social-signal-raised": ("maasdal", "webhook", "MD-20261128-000418"),
    "order.invoice-submitted": ("heuvelland", "file", "HB-77841"),
}


def _assigned(fact: OrderFact) -> CanonicalEvent:
    """order.assigned is produced by ketenbus from the maintenance system's work order."""
    return CanonicalEvent(
        id=event_id("onderhoud", fact.order_number, 0),
        source="/corporation/onderhoud/workorders",
        ownership=Ownership(
            producer="onderhoud",
            classification=classify(fact),
            purpose=fact.purpose,
            retention=fact.retention,
        ),
        traceparent=TRACEPARENT,
        data=fact,
    )


def _event(fact: OrderFact) -> CanonicalEvent:
    if fact.fact_type not in _ORIGIN:
        return _assigned(fact)
    partner, channel, message_id = _ORIGIN[fact.fact_type]
    return CanonicalEvent.create(
        fact,
        partner=partner,
        channel=channel,
        partner_message_id=message_id,
        traceparent=TRACEPARENT,
    )


EXAMPLE_EVENTS: dict[str, CanonicalEvent] = {
    name: _event(fact) for name, fact in EXAMPLE_FACTS.items()
}
"""The example facts in their envelopes, by fact type."""

assert set(EXAMPLE_FACTS) == set(FACT_TYPES), "every fact type needs an example"
