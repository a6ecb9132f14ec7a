"""Ops tooling for the dead letters: list, show, replay, discard (``ketenbus deadletters``).

* ``reading``: dead-letter records and the originals they point at, from Kafka;
* ``decisions``: ops' decisions, in the compacted ``keten.deadletter.decisions``;
* ``inventory``: one entry per dead letter (duplicates folded), with its status;
* ``stages``: which stages exist and where a replay of each goes;
* ``actions``: replay and discard, each with its decision;
* ``render``: tables and JSON from headers only (a value only on request).

See docs/dead-letters.md.
"""

from ketenbus.deadletters.actions import Done, discard, replay, select
from ketenbus.deadletters.decisions import Action, Decision, read_decisions
from ketenbus.deadletters.errors import (
    DeadLetterError,
    MissingDecider,
    NoSuchDeadLetter,
    NotReplayable,
    OriginalGone,
    UnknownStage,
)
from ketenbus.deadletters.inventory import Entry, find, load
from ketenbus.deadletters.stages import known_stages

__all__ = [
    "Action",
    "DeadLetterError",
    "Decision",
    "Done",
    "Entry",
    "MissingDecider",
    "NoSuchDeadLetter",
    "NotReplayable",
    "OriginalGone",
    "UnknownStage",
    "discard",
    "find",
    "known_stages",
    "load",
    "read_decisions",
    "replay",
    "select",
]
