"""How a record went, in the words every delivering stage uses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delivered:
    detail: str = ""


@dataclass(frozen=True)
class Skipped:
    """Deliberately not delivered: not routed here, or nothing to say to this system."""

    reason: str


@dataclass(frozen=True)
class Withheld:
    """Not entitled: never sent, committed, and reported (a warning, ``withheld``)."""

    reason: str


@dataclass(frozen=True)
class DeadLettered:
    reason: str


Outcome = Delivered | Skipped | Withheld | DeadLettered

COUNTED_AS: dict[type[Outcome], str] = {
    Delivered: "delivered",
    Skipped: "skipped",
    Withheld: "withheld",
    DeadLettered: "dead_lettered",
}
"""The name each outcome is counted under (``StageStats.outcomes``)."""
