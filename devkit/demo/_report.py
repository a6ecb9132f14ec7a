"""The demo's print: what was sent, what each destination received, and the verdict.

Personal data stays out of it as it stays out of ketenbus's logs: a signal's text is
shown masked (its length and class only), a tenant's name and phone never (an order
handed to a partner shows that it carries a contact, not who).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from devkit.demo._collect import Outcome
from devkit.demo._feed import Sent

MASK = "•••"
PSEUDONYM_SHOWN = 16  # of 64 hex digits: enough to see which records share an order
HEUVELLAND_NS = "{urn:heuvelland:onderhoud:1.2}"


def print_sent(console: Console, sent: list[Sent], roerdal_calls: list[dict[str, Any]]) -> None:
    table = _table(
        "What was sent, each through its own channel", "from", "channel", "what", "answer"
    )
    feed = [call for call in roerdal_calls if call["path"].endswith("/mutaties")]
    for item in sent:
        answer = item.answer
        if item.partner == "roerdal":
            statuses = ", ".join(str(call["status"]) for call in feed)
            answer = f"polled by ingress: {len(feed)} feed calls ({statuses})"
        table.add_row(item.partner, item.channel, item.what, answer)
    console.print(table)


def print_outcome(console: Console, outcome: Outcome) -> None:
    partner_of = {record["id"]: record.get("partner", "") for record in outcome.dwh}
    _onderhoud(console, outcome.received["onderhoud"], partner_of)
    _financien(console, outcome.received["financien"])
    _relaties(console, outcome.received["relaties"])
    _dwh(console, outcome.dwh, outcome.signal_counts)
    _outbound(console, outcome.maasdal_orders, outcome.heuvelland_files)


def print_verdict(console: Console, outcome: Outcome) -> bool:
    """The last line: every call valid VERA, or the first that was not. True if valid."""
    if outcome.missing:
        console.print(f"[bold red]not everything arrived:[/] {'; '.join(outcome.missing)}")
    invalid = outcome.invalid_calls
    if invalid:
        first = invalid[0]
        console.print(
            f"[bold red]not valid VERA:[/] {len(invalid)} of {len(outcome.calls)} calls; the "
            f"first: {first['system']} {first['method']} {first['path']}: {_problem(first)}"
        )
        return False
    if not outcome.calls:
        console.print("[bold red]no call reached the corporation's systems[/]")
        return False
    systems = sorted({call["system"] for call in outcome.calls})
    console.print(
        f"[bold green]every call was valid VERA:[/] {len(outcome.calls)} calls to "
        f"{', '.join(systems)}, each checked against OHD.yaml / BRG.yaml by the back office"
    )
    return not outcome.missing


def _problem(call: dict[str, Any]) -> str:
    problems = call.get("problems") or []
    if not problems:
        return "refused without a problem listed"
    problem = problems[0]
    where = f"{problem.get('path', '$')} ({problem.get('kind', '?')})"
    if call["system"] == "relaties":
        # A schema message may quote the value, and relaties' values are a signal's text.
        return f"{where}: message withheld, it may quote the signal"
    return f"{where}: {problem.get('message', '')}"


# -- the destinations -------------------------------------------------------------------


def _onderhoud(
    console: Console, received: list[dict[str, Any]], partner_of: dict[str, str]
) -> None:
    table = _table(
        "onderhoud (VERA OHD): statuses, appointments, hours, materials "
        "(each a PATCH /onderhoudsorders/<order>)",
        "order", "from", "status", "appointment / dates", "hours", "materials",
    )  # fmt: skip
    for call in sorted(received, key=lambda c: (c["resource_id"] or "", c["seq"])):
        body = call["body"]
        tasks = body.get("onderhoudstaken", [])
        spent = [s for task in tasks for s in task.get("onderhoudsbestedingen", [])]
        table.add_row(
            str(call["resource_id"]),
            partner_of.get(call["referentienummer"], "?"),
            _status(body),
            "\n".join(_dates(body)),
            "\n".join(f"{s['aantal']} {s['meeteenheid']['code']}" for s in _of(spent, "WER")),
            "\n".join(_material(s) for s in _of(spent, "MAT")),
        )
    console.print(table)


def _status(body: dict[str, Any]) -> str:
    parts = [body["status"]["code"]] if "status" in body else []
    for task in body.get("onderhoudstaken", []):
        detail = task.get("detailStatus", {}).get("code")
        parts.append(f"taak {task['status']['code']}" + (f"/{detail}" if detail else ""))
    return " ".join(parts)


def _dates(body: dict[str, Any]) -> Iterable[str]:
    for appointment in body.get("afspraken", []):
        yield f"{appointment['begindatum']} - {appointment['einddatum']}"
    if "uitersteGereeddatum" in body:
        yield f"uiterste gereed {body['uitersteGereeddatum']}"
    if "technischGereeddatum" in body:
        yield f"technisch gereed {body['technischGereeddatum']}"


def _of(spent: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [s for s in spent if s["soort"]["code"] == kind]


def _material(spent: dict[str, Any]) -> str:
    line = f"{spent['aantal']} {spent['meeteenheid']['code']} {spent.get('omschrijving', '')}"
    return line + (f" EUR {spent['bedrag']}" if "bedrag" in spent else "")


def _financien(console: Console, received: list[dict[str, Any]]) -> None:
    for call in received:
        body = call["body"]
        extra = {item["naam"]: item["waarde"] for item in body.get("extra-attributen", [])}
        table = _table(
            f"financien (VERA OHD): invoice {body['externFactuurnummer']} from "
            f"{extra.get('partner', '?')} for order {extra.get('opdrachtnummer', '?')}",
            "line", "excl. btw", "btw", "btw tarief",
        )  # fmt: skip
        table.caption = (
            f"{call['method']} {call['path']} -> {call['resource_id']}; dated "
            f"{body['factuurdatum']}, due {body['vervaldatum']}; "
            f"btw verlegd: {extra.get('btwVerlegd', 'nee')}"
        )
        table.caption_justify = "left"
        for line in body["regels"]:
            table.add_row(
                line["omschrijving"],
                str(line["bedrag"]),
                str(line["btwAangiftebedrag"]),
                line["btwTarief"]["code"],
            )
        table.add_section()
        table.add_row("total incl. btw", str(body["bedrag"]), str(body["btwBedrag"]), "")
        table.add_row("of which G-rekening", str(body["gRekeningbedrag"]), "", "")
        console.print(table)


def _relaties(console: Console, received: list[dict[str, Any]]) -> None:
    table = _table(
        "relaties (VERA BRG): social signals",
        "call", "order", "from", "soort", "status", "since", "label", "informatieobjecten",
    )  # fmt: skip
    for call in received:
        body = call["body"]
        extra = {item["naam"]: item["waarde"] for item in body.get("extra-attributen", [])}
        soort = body["soort"]["code"]
        if "detailSoort" in body:
            soort += f"/{body['detailSoort']['code']}"
        table.add_row(
            f"{call['method']} {call['path']}",
            extra.get("opdrachtnummer", "?"),
            extra.get("partner", "?"),
            soort,
            body["status"]["code"],
            body["begindatum"],
            ", ".join(s["label"]["code"] for s in body.get("sturingslabels", [])),
            "\n".join(_masked(item) for item in body.get("informatieobjecten", [])),
        )
    console.print(table)


def _masked(item: dict[str, Any]) -> str:
    text = str(item.get("beschrijving", ""))
    secrecy = item.get("vertrouwelijkheid", {}).get("code", "?")
    return (
        f"{item.get('titel', '?')}: {MASK} ({len(text)} characters, special category, "
        f"vertrouwelijkheid {secrecy})"
    )


def _dwh(console: Console, records: list[dict[str, Any]], counts: list[dict[str, Any]]) -> None:
    table = _table(
        "the warehouse: keten.dwh.v1, read read_committed (order and unit: the records' "
        f"HMAC-SHA256 pseudonyms, their first {PSEUDONYM_SHOWN} of 64 hex digits shown)",
        "type", "order", "partner", "occurred at", "status", "the rest",
    )  # fmt: skip
    shown = {"id", "type", "order", "partner", "occurred_at", "status"}
    for record in sorted(records, key=lambda r: (str(r.get("partner")), str(r["occurred_at"]))):
        rest = ", ".join(
            f"{k}={_pseudonym(v) if k == 'unit' else v}"
            for k, v in record.items()
            if k not in shown
        )
        table.add_row(
            record["type"],
            _pseudonym(record["order"]),
            str(record.get("partner", "")),
            str(record["occurred_at"]),
            str(record.get("status") or ""),
            rest,
        )
    console.print(table)
    signals = _table(
        "the warehouse: keten.dwh.signal-counts.v1 (signals as counts only)",
        "month", "category", "partition", "count",
    )  # fmt: skip
    for count in counts:
        signals.add_row(
            str(count["month"]),
            str(count["category"]),
            str(count["partition"]),
            str(count["count"]),
        )
    console.print(signals)


def _pseudonym(value: Any) -> str:
    return f"{str(value)[:PSEUDONYM_SHOWN]}…"


def _outbound(
    console: Console, maasdal: dict[str, dict[str, Any]], heuvelland: dict[str, bytes]
) -> None:
    table = _table(
        "outbound: new work orders that reached the partners",
        "to", "where", "order", "soort", "deadline (partner's time)", "vhe", "plaats", "contact",
    )  # fmt: skip
    for number, order in maasdal.items():
        address = order.get("adres") or {}
        table.add_row(
            "maasdal",
            "its API: POST /api/v2/opdrachten",
            number,
            str(order.get("soort")),
            str(order.get("uitersteGereed")),
            str(order.get("vhe")),
            str(address.get("plaats", "")),
            _contact(order.get("contact")),
        )
    for name, document in heuvelland.items():
        root = ET.fromstring(document)
        address = root.find(f"{HEUVELLAND_NS}Adres")
        contact = root.find(f"{HEUVELLAND_NS}Contact")
        table.add_row(
            "heuvelland",
            f"its outbox: {name}",
            root.get("nummer", "?"),
            root.get("soort", "?"),
            root.get("uitersteGereed", "?"),
            root.get("vhe", "?"),
            address.get("plaats", "") if address is not None else "",
            _contact(None if contact is None else dict(contact.attrib)),
        )
    console.print(table)


def _contact(contact: dict[str, Any] | None) -> str:
    if not contact:
        return "none"
    return f"{MASK} (name and phone handed over, not printed)"


NO_WRAP = {"order", "from", "to", "type", "status", "month", "category", "soort"}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold", no_wrap=column in NO_WRAP)
    return table
