"""What ``ketenbus deadletters`` prints: tables, JSON, one dead letter in full.

Built from headers only. A record's value (the fact as the stage had it, often
personal data) is printed by :func:`show_value` alone, which the CLI calls only for an
explicit ``--value``; nothing here logs.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from contracts import DeadLetterHeader
from ketenbus.deadletters.actions import Done
from ketenbus.deadletters.inventory import Entry

COLUMNS = (
    "stage",
    "ref",
    "message id",
    "partner",
    "destination",
    "exception",
    "attempts",
    "failed at",
    "status",
)


def console() -> Console:
    """A terminal's own width; wide enough for a row when the output is piped."""
    probe = Console()
    return Console(width=None if probe.is_terminal else 240, soft_wrap=False)


def row(entry: Entry) -> dict[str, Any]:
    """One dead letter's row: the newest record's headers, the status of all of them."""
    letter = entry.latest
    return {
        "stage": entry.stage,
        "ref": letter.ref,
        "refs": [other.ref for other in entry.letters],
        "key": entry.key,
        "message_id": letter.message_id,
        "partner": letter.header(DeadLetterHeader.PARTNER),
        "destination": letter.header(DeadLetterHeader.DESTINATION),
        "exception": letter.header(DeadLetterHeader.EXCEPTION),
        "attempts": int(letter.header(DeadLetterHeader.ATTEMPTS) or 0),
        "failed_at": letter.header(DeadLetterHeader.FAILED_AT),
        "status": entry.status,
        "decided_by": entry.decision.by if entry.decision else "",
        "decided_at": entry.decision.at.isoformat() if entry.decision else "",
    }


def as_json(entries: list[Entry]) -> str:
    return json.dumps([row(entry) for entry in entries], indent=2, ensure_ascii=False)


def table(entries: list[Entry]) -> Table:
    grid = Table(*COLUMNS, title=f"{len(entries)} dead letter(s)", title_justify="left")
    for entry in entries:
        fields = row(entry)
        ref = fields["ref"]
        if len(fields["refs"]) > 1:
            ref += f" (+{len(fields['refs']) - 1})"
        grid.add_row(
            fields["stage"],
            ref,
            fields["message_id"] or "-",
            fields["partner"] or "-",
            fields["destination"] or "-",
            fields["exception"],
            str(fields["attempts"]),
            fields["failed_at"],
            fields["status"],
        )
    return grid


def show(entry: Entry) -> Table:
    """Every header of the newest record (context and the original's), the decision, and
    the size of the value, never the value itself."""
    letter = entry.latest
    grid = Table("header", "value", title=f"{entry.stage} {letter.ref}", title_justify="left")
    grid.add_row("dead-letter topic", f"{letter.topic} {letter.ref}")
    grid.add_row("records", ", ".join(other.ref for other in entry.letters))
    grid.add_row("key", letter.key.decode("utf-8", "replace") if letter.key else "-")
    for name, raw in letter.headers:
        grid.add_row(name, raw.decode("utf-8", "replace"))
    size = f"{len(letter.value)} bytes (shown only with --value)" if letter.value else "none"
    grid.add_row("value", "parked without bytes" if not letter.value else size)
    grid.add_row("status", entry.status)
    if entry.decision is not None:
        decided = entry.decision
        grid.add_row(
            "decision", f"{decided.action.value} by {decided.by} at {decided.at.isoformat()}"
        )
        if decided.reason:
            grid.add_row("reason", decided.reason)
        if decided.replayed_to:
            grid.add_row("replayed to", decided.replayed_to)
    return grid


def show_value(entry: Entry) -> str:
    """The newest record's value as text (for ``--value`` only)."""
    return entry.latest.value.decode("utf-8", "replace")


def done_line(item: Done) -> str:
    decided = item.decision
    where = f" -> {decided.replayed_to}" if decided.replayed_to else ""
    return (
        f"{decided.action.value} {item.entry.stage} {item.entry.latest.ref} {item.entry.key}{where}"
    )
