"""Every VERA code ketenbus uses exists, and is in force, in the VERA Referentiedata.

The codes are checked as data against contracts/vera/Referentiedata.csv, so none is
invented or misspelt: the contract's code lists (``contracts.vera_codes``), the
literal codes of the facts, and what the onderhoud mapping actually sends, found by
walking its VERA bodies along the OHD specification.
"""

from __future__ import annotations

import typing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts import (
    InformationExchanged,
    MaterialLine,
    OrderAssigned,
    TechnicallyCompleted,
    Unit,
    validation_problems,
)
from contracts.examples import EXAMPLE_FACTS
from contracts.vera_codes import VERA_LISTS
from router.destinations.onderhoud import mapping
from tests.contracts.vera_reference import codes_in_body, current_codes, reference

TODAY = datetime.now(UTC).date()


@pytest.mark.parametrize("soort", sorted(VERA_LISTS))
def test_every_code_of_a_list_is_a_current_vera_code(vera_specs: Path, soort: str) -> None:
    assert soort in reference(vera_specs), f"VERA has no Referentiedata list {soort}"
    ours = {code.value for code in VERA_LISTS[soort]}
    unknown = ours - current_codes(vera_specs, soort, TODAY)
    assert not unknown, f"not (or no longer) in VERA {soort}: {sorted(unknown)}"


def test_the_unit_is_vera_meeteenheid() -> None:
    assert VERA_LISTS["MEETEENHEID"] is Unit


def test_literal_codes_of_the_facts(vera_specs: Path) -> None:
    kinds = set(typing.get_args(OrderAssigned.model_fields["kind"].annotation))
    assert kinds <= current_codes(vera_specs, "ONDERHOUDSOORT", TODAY)


def test_the_onderhoud_mapping_tables(vera_specs: Path) -> None:
    tables = {
        "ONDERHOUDSTAAKDETAILSTATUS": set(mapping.INTERRUPTION_DETAIL.values()),
        "DEFECTOORZAAK": set(mapping.CAUSE.values()),
        "ONDERHOUDSORDERSTATUS": set(mapping.ORDER_STATUS.values()),
    }
    for soort, used in tables.items():
        assert used <= current_codes(vera_specs, soort, TODAY), soort


def test_every_code_the_onderhoud_mapping_sends(vera_specs: Path) -> None:
    """One example fact of every type through the mapping; every code in the bodies
    is checked against the list the OHD spec names for that property."""
    seen: set[str] = set()
    for fact in EXAMPLE_FACTS.values():
        call = mapping.to_vera(fact)
        if call is None:
            continue
        for path, soort, code in codes_in_body(
            vera_specs / "OHD.yaml", "Onderhoudsorders-Onderhoudsorderbericht", call.body
        ):
            assert code in current_codes(vera_specs, soort, TODAY), f"{path}: {code} not in {soort}"
            seen.add(soort)
    # The walk really found the codes (a broken walker would pass silently).
    assert {
        "ONDERHOUDSORDERSTATUS",
        "ONDERHOUDSTAAKSTATUS",
        "ONDERHOUDSTAAKDETAILSTATUS",
        "AFSPRAAKSTATUS",
        "ONDERHOUDSBESTEDINGSOORT",
        "MEETEENHEID",
        "DEFECTOORZAAK",
    } <= seen


def test_the_walker_catches_a_misspelt_code(vera_specs: Path) -> None:
    body = {"onderhoudstaken": [{"status": {"code": "OND"}, "detailStatus": {"code": "AWF"}}]}
    found = list(
        codes_in_body(vera_specs / "OHD.yaml", "Onderhoudsorders-Onderhoudsorderbericht", body)
    )
    assert found == [
        ("$.onderhoudstaken[0].status", "ONDERHOUDSTAAKSTATUS", "OND"),
        ("$.onderhoudstaken[0].detailStatus", "ONDERHOUDSTAAKDETAILSTATUS", "AWF"),
    ]
    assert "AWF" not in current_codes(vera_specs, "ONDERHOUDSTAAKDETAILSTATUS", TODAY)


def test_an_ended_code_is_not_current(vera_specs: Path) -> None:
    # ONDERHOUDSPECIALISME ZAN (zandleverancier) ended on 8-9-2023.
    assert "ZAN" not in current_codes(vera_specs, "ONDERHOUDSPECIALISME", TODAY)
    assert "ZAN" in current_codes(vera_specs, "ONDERHOUDSPECIALISME", date(2023, 1, 1))


def test_an_unknown_code_names_the_field_and_the_list_not_the_value() -> None:
    with pytest.raises(ValidationError) as raised:
        MaterialLine(description="Sifon", quantity=1, unit="Jansen", unit_price="1.00")  # type: ignore[arg-type]
    problems = validation_problems(raised.value)
    assert problems.startswith("unit: not a code of VERA MEETEENHEID (known: UUR, STU,")
    assert "Jansen" not in problems


def test_dico_code_errors_name_the_list() -> None:
    common = {"order_number": "WL-2026-004711", "occurred_at": "2026-11-26T08:00:00Z"}
    with pytest.raises(ValidationError) as raised:
        InformationExchanged.model_validate({**common, "code": "ACC"})
    assert validation_problems(raised.value) == (
        "code: not a code of DICO StatusCode here (known: VIN, AIN, REV, REA)"
    )
    with pytest.raises(ValidationError) as raised:
        TechnicallyCompleted.model_validate(
            {**common, "completed_at": common["occurred_at"], "cause": "HUURDER"}
        )
    assert validation_problems(raised.value) == (
        "cause: not a code of DICO oorzaak (known: HUU, SLT, OUD)"
    )
