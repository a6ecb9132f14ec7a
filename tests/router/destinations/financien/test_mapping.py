"""The corporation's invoice rules, field by field, and the cent that must add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts import InvoiceLine, VatTotal
from kit.delivery.errors import Unmappable
from router.destinations.financien import to_vera
from tests.router.samples import ORDER, invoice, reverse_charge_invoice


def test_an_invoice_becomes_one_post_with_regels_and_the_order_as_extra_attribuut() -> None:
    call = to_vera(invoice(), partner="maasdal")
    assert (call.method, call.path) == ("POST", "/inkoopfacturen")
    assert call.body == {
        "soort": {"code": "DEX"},
        "status": {"code": "REG"},
        "externFactuurnummer": "MD-F-2026-0042",
        "factuurdatum": "2026-11-30",
        "vervaldatum": "2026-12-30",
        "bedrag": Decimal("148.27"),
        "btwBedrag": Decimal("25.12"),
        "gRekeningbedrag": Decimal("20.00"),
        "regels": [
            {"omschrijving": "Arbeid monteur", "bedrag": Decimal("78.00"),
             "btwAangiftebedrag": Decimal("16.38"), "btwTarief": {"code": "ALG"}},
            # 38.95 x 21 % = 8.1795: the rate's 24.56 needs this line's extra cent
            {"omschrijving": "Thermostatische radiatorkraan", "bedrag": Decimal("38.95"),
             "btwAangiftebedrag": Decimal("8.18"), "btwTarief": {"code": "ALG"}},
            {"omschrijving": "Knelkoppeling 15 mm", "bedrag": Decimal("6.20"),
             "btwAangiftebedrag": Decimal("0.56"), "btwTarief": {"code": "VER"}},
        ],
        "extra-attributen": [
            {"naam": "opdrachtnummer", "waarde": ORDER},
            {"naam": "partner", "waarde": "maasdal"},
        ],
    }  # fmt: skip
    assert "factuurregels" not in call.body


def test_line_btw_adds_up_to_the_rate_total_by_the_largest_remainder() -> None:
    # Three lines of 0.05 at 9 %: 0.0045 each, 0.0135 in all -> 0.01 for the rate.
    lines = tuple(
        InvoiceLine(description=f"Klein {n}", quantity=Decimal(1), unit_price=Decimal("0.05"),
                    amount_excl_vat=Decimal("0.05"), vat_rate=Decimal(9))
        for n in range(3)
    )  # fmt: skip
    fact = invoice(
        lines=lines,
        vat_totals=(VatTotal(rate=Decimal(9), base=Decimal("0.15"), vat=Decimal("0.01")),),
        total_excl_vat=Decimal("0.15"),
        total_vat=Decimal("0.01"),
        total_incl_vat=Decimal("0.16"),
        g_account_amount=Decimal("0.00"),
    )
    vats = [regel["btwAangiftebedrag"] for regel in to_vera(fact, partner="p").body["regels"]]
    assert vats == [Decimal("0.01"), Decimal("0.00"), Decimal("0.00")]


def test_reverse_charge_has_no_btw_keeps_the_rate_and_says_so() -> None:
    body = to_vera(reverse_charge_invoice(), partner="maasdal").body
    assert body["btwBedrag"] == Decimal("0.00")
    assert body["bedrag"] == Decimal("123.15")
    assert [r["btwAangiftebedrag"] for r in body["regels"]] == [Decimal("0.00")] * 3
    assert [r["btwTarief"]["code"] for r in body["regels"]] == ["ALG", "ALG", "VER"]
    assert {"naam": "btwVerlegd", "waarde": "ja"} in body["extra-attributen"]


def test_an_invoice_that_does_not_add_up_never_becomes_a_call() -> None:
    # The contract refuses it; built around the contract, the mapping refuses it again.
    good = invoice()
    bad = good.model_construct(**{**dict(good), "total_incl_vat": Decimal("148.28")})
    with pytest.raises(Unmappable, match=r"total incl\. btw is 148\.28, computed 148\.27"):
        to_vera(bad, partner="maasdal")


def test_a_rate_without_a_vera_code_is_unmappable() -> None:
    line = InvoiceLine(description="Iets", quantity=Decimal(1), unit_price=Decimal("100.00"),
                       amount_excl_vat=Decimal("100.00"), vat_rate=Decimal(6))  # fmt: skip
    fact = invoice(
        lines=(line,),
        vat_totals=(VatTotal(rate=Decimal(6), base=Decimal("100.00"), vat=Decimal("6.00")),),
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("6.00"),
        total_incl_vat=Decimal("106.00"),
        g_account_amount=Decimal("0.00"),
    )
    with pytest.raises(Unmappable, match="btw rate 6% has no VERA BTW code"):
        to_vera(fact, partner="maasdal")
