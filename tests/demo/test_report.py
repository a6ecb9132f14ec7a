"""The demo's print on its own: the verdict line, and what it never shows."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from rich.console import Console

from devkit.demo._collect import Outcome
from devkit.demo._report import print_outcome, print_verdict

NOTE = "Bewoonster woont alleen, woning sterk vervuild."


def console() -> Console:
    return Console(file=io.StringIO(), width=200, color_system=None)


def printed(out: Console) -> str:
    file = out.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def call(system: str, path: str, *, invalid: bool = False, problems: Any = ()) -> dict[str, Any]:
    return {
        "system": system,
        "method": "POST" if system != "onderhoud" else "PATCH",
        "path": path,
        "invalid": invalid,
        "problems": list(problems),
    }


def test_every_call_valid_is_the_last_line() -> None:
    outcome = Outcome(
        calls=[call("onderhoud", "/onderhoudsorders/WL-2026-004711"), call("relaties", "/s")]
    )
    out = console()
    assert print_verdict(out, outcome) is True
    assert printed(out).splitlines()[-1] == (
        "every call was valid VERA: 2 calls to onderhoud, relaties, each checked against "
        "OHD.yaml / BRG.yaml by the back office"
    )


def test_the_first_invalid_call_is_named_with_its_first_problem() -> None:
    problem = {"path": "regels[0].btwTarief", "message": "'X' is not valid", "kind": "enum"}
    later = {"path": "$", "message": "later", "kind": "type"}
    outcome = Outcome(
        calls=[
            call("onderhoud", "/onderhoudsorders/WL-2026-004711"),
            call("financien", "/inkoopfacturen", invalid=True, problems=[problem, later]),
            call("onderhoud", "/onderhoudsorders/WL-2026-004712", invalid=True, problems=[later]),
        ]
    )
    out = console()
    assert print_verdict(out, outcome) is False
    assert printed(out).splitlines()[-1] == (
        "not valid VERA: 2 of 3 calls; the first: financien POST /inkoopfacturen: "
        "regels[0].btwTarief (enum): 'X' is not valid"
    )


def test_an_invalid_signal_is_named_without_the_message_that_may_quote_it() -> None:
    problem = {"path": "informatieobjecten[0].beschrijving", "message": f"'{NOTE}' is too long"}
    outcome = Outcome(calls=[call("relaties", "/signaleringen", invalid=True, problems=[problem])])
    out = console()
    assert print_verdict(out, outcome) is False
    assert NOTE not in printed(out)
    assert "relaties POST /signaleringen: informatieobjecten[0].beschrijving" in printed(out)


def test_what_did_not_arrive_fails_the_run_even_when_every_call_was_valid() -> None:
    outcome = Outcome(calls=[call("relaties", "/s")], missing=["financien: 0 of 1 calls"])
    out = console()
    assert print_verdict(out, outcome) is False
    assert "not everything arrived: financien: 0 of 1 calls" in printed(out)


def test_no_call_at_all_is_not_valid_vera() -> None:
    out = console()
    assert print_verdict(out, Outcome()) is False
    assert "no call reached" in printed(out)


def test_the_signal_text_and_the_tenants_contact_are_never_printed() -> None:
    signal = {
        "seq": 1,
        "method": "POST",
        "path": "/signaleringen",
        "body": {
            "soort": {"code": "ONB"},
            "status": {"code": "ACT"},
            "begindatum": "2026-11-28T08:52:30Z",
            "informatieobjecten": [
                {"titel": "Toelichting monteur", "beschrijving": NOTE,
                 "vertrouwelijkheid": {"code": "GEH"}}
            ],
            "extra-attributen": [{"naam": "opdrachtnummer", "waarde": "WL-2026-004711"}],
        },
    }  # fmt: skip
    maasdal_order = {
        "soort": "REP",
        "uitersteGereed": "2026-12-04T23:59:59+01:00",
        "vhe": "VHE-10234",
        "adres": {"plaats": "Maastricht"},
        "contact": {"naam": "P. van Dijk", "telefoon": "06-12345678"},
    }
    heuvelland_file = (
        b'<hb:Opdracht xmlns:hb="urn:heuvelland:onderhoud:1.2" nummer="WL-2026-004801" '
        b'soort="MUT" uitersteGereed="2026-07-10T23:59:59" vhe="VHE-20777">'
        b'<hb:Adres plaats="Maastricht"/><hb:Contact naam="Fam. Janssen" telefoon="043-3210987"/>'
        b"</hb:Opdracht>"
    )
    outcome = Outcome(
        received={"onderhoud": [], "financien": [], "relaties": [signal]},
        maasdal_orders={"WL-2026-004800": maasdal_order},
        heuvelland_files={"WL_WL-2026-004801.xml": heuvelland_file},
        signal_counts=[{"month": "2026-11", "category": "VERWAARLOZING", "partition": 0,
                        "count": Decimal(1)}],
    )  # fmt: skip
    out = console()
    print_outcome(out, outcome)
    text = printed(out)
    assert f"Toelichting monteur: ••• ({len(NOTE)} characters, special category" in text
    for personal in (NOTE, "Dijk", "06-12345678", "Janssen", "043-3210987"):
        assert personal not in text
    assert text.count("••• (name and phone handed over, not printed)") == 2
    assert "WL-2026-004800" in text
    assert "its outbox: WL_WL-2026-004801.xml" in text
