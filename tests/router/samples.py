"""Canonical facts the router's tests deliver: one invoice that adds up to the cent, with
personal data in every marked field so a leak would show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts import InvoiceLine, InvoiceSubmitted, TenantContact, VatTotal
from tests.router.kit import at

ORDER = "WL-2026-004711"
TENANT = TenantContact(name="Mevrouw J. de Vries", phone="06-12345678")
NOTE = "Mevrouw de Vries was niet thuis, buurman Piet heeft opengedaan"


def invoice(**changes: object) -> InvoiceSubmitted:
    """1.5 h x 52.00 and 38.95 at 21 %, 2 x 3.10 at 9 %: 123.15 + 25.12 = 148.27."""
    fields: dict[str, object] = {
        "order_number": ORDER,
        "partner_reference": "MD-88121",
        "occurred_at": at(600),
        "note": NOTE,
        "tenant": TENANT,
        "invoice_number": "MD-F-2026-0042",
        "invoice_date": date(2026, 11, 30),
        "due_date": date(2026, 12, 30),
        "reverse_charge": False,
        "lines": (
            InvoiceLine(description="Arbeid monteur", quantity=Decimal("1.5"),
                        unit_price=Decimal("52.00"), amount_excl_vat=Decimal("78.00"),
                        vat_rate=Decimal(21)),
            InvoiceLine(description="Thermostatische radiatorkraan", quantity=Decimal(1),
                        unit_price=Decimal("38.95"), amount_excl_vat=Decimal("38.95"),
                        vat_rate=Decimal(21)),
            InvoiceLine(description="Knelkoppeling 15 mm", quantity=Decimal(2),
                        unit_price=Decimal("3.10"), amount_excl_vat=Decimal("6.20"),
                        vat_rate=Decimal(9)),
        ),
        "vat_totals": (
            VatTotal(rate=Decimal(21), base=Decimal("116.95"), vat=Decimal("24.56")),
            VatTotal(rate=Decimal(9), base=Decimal("6.20"), vat=Decimal("0.56")),
        ),
        "total_excl_vat": Decimal("123.15"),
        "total_vat": Decimal("25.12"),
        "total_incl_vat": Decimal("148.27"),
        "g_account_amount": Decimal("20.00"),
    }  # fmt: skip
    fields.update(changes)
    return InvoiceSubmitted(**fields)  # type: ignore[arg-type]


def reverse_charge_invoice() -> InvoiceSubmitted:
    return invoice(
        reverse_charge=True,
        vat_totals=(
            VatTotal(rate=Decimal(21), base=Decimal("116.95"), vat=Decimal("0.00")),
            VatTotal(rate=Decimal(9), base=Decimal("6.20"), vat=Decimal("0.00")),
        ),
        total_vat=Decimal("0.00"),
        total_incl_vat=Decimal("123.15"),
    )
