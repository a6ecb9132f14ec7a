"""The canonical order facts: what happened to an order, in one language for all partners.

Every fact names its order (the corporation's ``opdrachtnummer``), the partner's own
reference, and the instant it happened (aware, UTC). Each fact type has a stable
name (``FACT_TYPES``) that becomes its CloudEvents ``type``. Money and quantities are
``Decimal`` (JSON strings on the wire, so no consumer reads them through a float);
personal and special-category fields are marked (see ``_ownership``).

A fact type is added by writing its model and listing it in ``FACT_TYPES``; removing
or retyping a field is a breaking change and needs a new major version (a new
``type`` and topic).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from contracts._codes import CodeList, DicoCause, DicoDetail, DicoStatus, only
from contracts._ownership import (
    FreeText,
    OptionalFreeText,
    Personal,
    PersonalText,
    Purpose,
    SpecialCategory,
)
from contracts._time import as_utc
from contracts.vera_codes import Unit


def _ascii_digits(value: str | None) -> str | None:
    """In the committed JSON Schemas ``\\d`` is 0-9 (ECMA-262); pydantic's regex engine
    also takes the digits of other scripts (full-width ２０２６), which no VERA system
    and no consumer's own validator would. The contract means the JSON Schema."""
    if value is not None and not value.isascii():
        raise ValueError("only ASCII characters (digits 0-9)")
    return value


OrderNumber = Annotated[
    str,
    Field(
        pattern=r"^WL-\d{4}-\d{6}$",
        description="The corporation's order number (opdrachtnummer), WL-YYYY-NNNNNN.",
        examples=["WL-2026-004711"],
    ),
    AfterValidator(_ascii_digits),
]
NlSfbCode = Annotated[str | None, AfterValidator(_ascii_digits)]
"""An NL-SfB element code such as 52.11 (the field gives its pattern), or none."""
NLSFB_PATTERN = r"^\d{2}(\.\d{1,2})?$"
UtcDatetime = Annotated[AwareDatetime, AfterValidator(as_utc)]
"""An aware instant, normalised to UTC."""

Money = Annotated[
    Decimal,
    Field(decimal_places=2, allow_inf_nan=False, description="EUR, exact to the cent."),
]
Quantity = Annotated[
    Decimal,
    Field(ge=0, decimal_places=4, allow_inf_nan=False, description="An exact quantity."),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TenantContact(_Model):
    """Contact details of the tenant, as a partner sometimes sends them."""

    name: Personal = None
    phone: Personal = None


class OrderFact(_Model):
    """What every fact about an order says."""

    fact_type: ClassVar[str]
    purpose: ClassVar[Purpose] = Purpose.ORDER_EXECUTION
    retention: ClassVar[str] = "P7Y"
    restricted: ClassVar[bool] = False
    """True for facts that go to the restricted signals topic, never to keten.orders.v1."""

    order_number: OrderNumber
    partner_reference: str | None = Field(
        default=None, description="The partner's own reference (werkbon)."
    )
    occurred_at: UtcDatetime = Field(description="When it happened at the partner, in UTC.")
    note: Personal = Field(
        default=None, description="The partner's free-text note; may name people."
    )
    tenant: TenantContact | None = Field(
        default=None, description="The tenant's contact details, when the partner sends them."
    )

    @property
    def status_code(self) -> DicoStatus | None:
        """The DICO status this fact reports, if it is a status fact."""
        return None


class _StatusFact(OrderFact):
    dico_status: ClassVar[DicoStatus]

    @property
    def status_code(self) -> DicoStatus | None:
        return self.dico_status


class OrderRegistered(_StatusFact):
    """The partner registered the order in its own system (DICO REG)."""

    fact_type = "order.registered"
    dico_status = DicoStatus.REG


class OrderAccepted(_StatusFact):
    """The partner accepted the order (DICO ACC)."""

    fact_type = "order.accepted"
    dico_status = DicoStatus.ACC


class OrderRefused(_StatusFact):
    """The partner refused the order (DICO WEI); the note says why. The order needs a new
    partner."""

    fact_type = "order.refused"
    dico_status = DicoStatus.WEI


class OrderInterrupted(_StatusFact):
    """Work on the order is interrupted (DICO OND), with the reason as a DICO detail code."""

    fact_type = "order.interrupted"
    dico_status = DicoStatus.OND

    reason: DicoDetail | None = Field(default=None, description="DICO StatusDetailCode.")


class LeadTimeExtended(_StatusFact):
    """The partner asks for a later deadline (DICO VER)."""

    fact_type = "order.lead-time-extended"
    dico_status = DicoStatus.VER

    new_deadline: date = Field(description="The new deadline asked for (a Dutch local date).")


class HourLine(_Model):
    """Hours worked on the order (VERA besteding WER in UUR)."""

    mechanic: Personal = None
    hours: Quantity = Field(description="Hours worked, e.g. 1.25.")
    description: OptionalFreeText = Field(
        default=None, description="What the work was, as the partner wrote it."
    )
    hourly_rate: Money | None = Field(default=None, description="EUR per hour, excl. btw.")


class MaterialLine(_Model):
    """Material used on the order (VERA besteding MAT)."""

    article_number: str | None = Field(default=None, description="The partner's article number.")
    description: FreeText = Field(description="What the material is.")
    quantity: Quantity
    unit: Unit
    unit_price: Money | None = Field(default=None, description="EUR per unit, excl. btw.")


class TechnicallyCompleted(_StatusFact):
    """The work is done (DICO TGE): hours, materials, cause, NL-SfB element, first-time fix."""

    fact_type = "order.technically-completed"
    dico_status = DicoStatus.TGE

    completed_at: UtcDatetime = Field(description="When the work was done, in UTC.")
    first_time_fix: bool | None = Field(
        default=None, description="Fixed at the first visit (eerste keer goed)."
    )
    cause: DicoCause | None = Field(default=None, description="The cause the partner found.")
    nlsfb_element: NlSfbCode = Field(
        default=None, pattern=NLSFB_PATTERN, description="NL-SfB element code."
    )
    hours: tuple[HourLine, ...] = Field(default=(), description="Hours worked.")
    materials: tuple[MaterialLine, ...] = Field(default=(), description="Materials used.")


class AdministrativelyCompleted(_StatusFact):
    """The partner closed the order in its administration (DICO AGE)."""

    fact_type = "order.administratively-completed"
    dico_status = DicoStatus.AGE


class CancellationRequested(_StatusFact):
    """The partner asks the corporation to cancel the order (DICO VAN): a request, not a
    cancellation."""

    fact_type = "order.cancellation-requested"
    dico_status = DicoStatus.VAN


class OrderCancelled(_StatusFact):
    """The order is cancelled (DICO ANN)."""

    fact_type = "order.cancelled"
    dico_status = DicoStatus.ANN


class InformationExchanged(OrderFact):
    """An information request or answer (VIN, AIN, REV, REA) between partner and corporation."""

    fact_type = "order.information-exchanged"

    code: Annotated[
        Literal[DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA],
        only(DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA),
    ] = Field(description="VIN, AIN, REV or REA.")

    @property
    def status_code(self) -> DicoStatus | None:
        return self.code


class AppointmentPlanned(OrderFact):
    """An appointment with the tenant is planned: a window in UTC."""

    fact_type = "order.appointment-planned"

    starts_at: UtcDatetime = Field(description="Start of the appointment window, in UTC.")
    ends_at: UtcDatetime = Field(description="End of the appointment window, in UTC.")
    mechanic: Personal = Field(default=None, description="The mechanic's name.")


class SignalCategory(CodeList):
    """What a mechanic noticed behind the front door (the partners' list)."""

    __code_list__ = "signal category"

    VERVUILING = "VERVUILING"
    VERWAARLOZING = "VERWAARLOZING"
    EENZAAMHEID = "EENZAAMHEID"
    OVERLAST = "OVERLAST"
    BETALINGSPROBLEMEN = "BETALINGSPROBLEMEN"
    ZORGBEHOEFTE = "ZORGBEHOEFTE"
    AGRESSIE = "AGRESSIE"
    OVERIG = "OVERIG"


class SocialSignalRaised(OrderFact):
    """A social signal: may reach only the relationship system (woonconsulent, sociaal team)."""

    fact_type = "order.social-signal-raised"
    purpose = Purpose.SOCIAL_CARE
    retention = "P2Y"
    restricted = True

    category: SignalCategory = Field(description="What kind of signal it is.")
    signal_note: SpecialCategory = Field(
        default=None, description="What the mechanic wrote: special-category personal data."
    )
    urgent: bool = Field(description="Needs contact within one working day.")


class InvoiceLine(_Model):
    """One line of an invoice: what is charged, excl. btw, at one btw rate."""

    description: FreeText = Field(description="What is charged, as the partner wrote it.")
    quantity: Quantity
    unit: Unit | None = Field(default=None, description="The unit of the quantity.")
    unit_price: Money = Field(description="EUR per unit, excl. btw.")
    amount_excl_vat: Money = Field(description="quantity x unit_price, rounded to the cent.")
    vat_rate: Decimal = Field(ge=0, le=100, description="btw rate in percent: 21, 9 or 0.")


class VatTotal(_Model):
    """The btw of one rate: the base (sum of its lines) and the btw on it, to the cent."""

    rate: Decimal = Field(ge=0, le=100, description="btw rate in percent.")
    base: Money = Field(description="The sum of the lines at this rate, excl. btw.")
    vat: Money = Field(description="The btw at this rate (0.00 with reverse charge).")


class InvoiceSubmitted(OrderFact):
    """A partner's invoice for an order. Its arithmetic is checked here, once: an invoice
    that does not add up is not a valid fact and never reaches finance."""

    fact_type = "order.invoice-submitted"
    purpose = Purpose.INVOICING

    invoice_number: str = Field(min_length=1, description="The partner's invoice number.")
    invoice_date: date = Field(description="Factuurdatum.")
    due_date: date = Field(description="Vervaldatum: when it must be paid.")
    reverse_charge: bool = Field(description="btw verlegd: the btw is 0.00.")
    lines: tuple[InvoiceLine, ...] = Field(min_length=1, description="The invoice lines.")
    vat_totals: tuple[VatTotal, ...] = Field(description="The btw per rate.")
    total_excl_vat: Money = Field(description="Total excl. btw.")
    total_vat: Money = Field(description="Total btw.")
    total_incl_vat: Money = Field(description="Total incl. btw.")
    g_account_amount: Money = Field(
        ge=0, description="The part paid to the G-rekening (Wet ketenaansprakelijkheid)."
    )

    @model_validator(mode="after")
    def _adds_up(self) -> InvoiceSubmitted:
        problems = invoice_differences(self)
        if problems:
            raise ValueError("invoice does not add up: " + "; ".join(problems))
        return self


def invoice_differences(invoice: InvoiceSubmitted) -> list[str]:
    """Each way the invoice does not add up, with the difference in EUR."""
    problems: list[str] = []

    def differs(what: str, stated: Decimal, computed: Decimal) -> None:
        if stated != computed:
            problems.append(
                f"{what} is {stated}, computed {computed} (difference {stated - computed})"
            )

    for number, line in enumerate(invoice.lines, start=1):
        differs(
            f"line {number} amount", line.amount_excl_vat, cents(line.quantity * line.unit_price)
        )
    bases: dict[Decimal, Decimal] = {}
    for line in invoice.lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal(0)) + line.amount_excl_vat
    stated_rates = {total.rate: total for total in invoice.vat_totals}
    for rate, base in sorted(bases.items()):
        vat = Decimal("0.00") if invoice.reverse_charge else cents(base * rate / 100)
        total = stated_rates.get(rate)
        if total is None:
            problems.append(f"no btw total for rate {rate}%")
            continue
        differs(f"btw base at {rate}%", total.base, base)
        differs(f"btw at {rate}%", total.vat, vat)
    for rate in sorted(set(stated_rates) - set(bases)):
        problems.append(f"btw total for rate {rate}% without lines")
    differs("total excl. btw", invoice.total_excl_vat, sum(bases.values(), Decimal("0.00")))
    computed_vat = sum((t.vat for t in invoice.vat_totals), Decimal("0.00"))
    differs("total btw", invoice.total_vat, computed_vat)
    differs("total incl. btw", invoice.total_incl_vat, invoice.total_excl_vat + invoice.total_vat)
    if invoice.g_account_amount > invoice.total_incl_vat:
        problems.append("G-rekening amount exceeds the total incl. btw")
    return problems


def cents(amount: Decimal) -> Decimal:
    """Rounded half up to the cent, the way Dutch invoices round."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Address(_Model):
    """Where the work is: personal data (it locates a tenant)."""

    postcode: Personal = None
    house_number: Personal = None
    addition: Personal = None
    city: str | None = Field(default=None, description="Woonplaats (alone it locates no one).")


class OrderAssigned(OrderFact):
    """The corporation hands an order to a partner (the outbound direction)."""

    fact_type = "order.assigned"

    partner: str = Field(description="The partner id the order is assigned to.")
    kind: Literal["REP", "MUT"] = Field(description="REP repair, MUT a vacated dwelling.")
    description: PersonalText = Field(
        description="The work to do, as the corporation wrote it; may describe the tenant."
    )
    deadline: UtcDatetime = Field(description="Uiterste gereed: when it must be done.")
    address: Address = Field(description="Where the work is.")
    unit_code: str = Field(description="The corporation's verhuureenheid (VHE) code.")
    contact: TenantContact | None = Field(default=None, description="Who to call for access.")
    nlsfb_element: NlSfbCode = Field(
        default=None, pattern=NLSFB_PATTERN, description="NL-SfB element code."
    )


FACT_TYPES: dict[str, type[OrderFact]] = {
    model.fact_type: model
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
        SocialSignalRaised,
        InvoiceSubmitted,
        OrderAssigned,
    )
}
"""Every canonical fact type by its stable name."""

STATUS_FACTS: dict[DicoStatus, type[_StatusFact]] = {
    model.dico_status: model for model in FACT_TYPES.values() if issubclass(model, _StatusFact)
}
"""The fact model for each DICO status that is a fact of its own."""
