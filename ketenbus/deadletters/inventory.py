"""The dead letters as ops see them: one entry per dead letter, with its status.

A dead-letter topic can hold the same dead letter twice (a crash between parking and
committing), and a fact that fails again after a replay is parked again under the same
event id. Both are one entry here, keyed by :attr:`Letter.dedupe_key`; its status comes
from the decisions (``decisions.py``): open while a record of it is not covered.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import KafkaSettings
from ketenbus.deadletters.decisions import OPEN, Decision, decision_key, read_decisions
from ketenbus.deadletters.errors import NoSuchDeadLetter
from ketenbus.deadletters.reading import Letter, existing_topics, letter_of
from ketenbus.deadletters.stages import check_stage, known_stages
from kit.kafka.state import read_to_end


@dataclass(frozen=True)
class Entry:
    """One dead letter: its records (oldest first) and ops' latest decision about it."""

    stage: str
    key: str
    letters: tuple[Letter, ...]
    decision: Decision | None

    @property
    def latest(self) -> Letter:
        return self.letters[-1]

    @property
    def status(self) -> str:
        if self.decision is None:
            return OPEN
        covered = set(self.decision.letters)
        if any(letter.ref not in covered for letter in self.letters):
            return OPEN
        return self.decision.action.value

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def matches(self, ref: str) -> bool:
        """``ref`` is one of its records' ``partition:offset``, or its message id."""
        return ref == self.key or any(
            ref in (letter.ref, letter.message_id) for letter in self.letters
        )


def entries_of(stage: str, letters: list[Letter], decisions: dict[bytes, Decision]) -> list[Entry]:
    """Group a stage's dead-letter records into entries, in the order first parked."""
    grouped: dict[str, list[Letter]] = {}
    for letter in letters:
        grouped.setdefault(letter.dedupe_key, []).append(letter)
    return [
        Entry(stage, key, tuple(found), decisions.get(decision_key(stage, key)))
        for key, found in grouped.items()
    ]


async def load(
    kafka: KafkaSettings, stages: list[str] | None = None, *, include_resolved: bool = False
) -> list[Entry]:
    """The dead letters of ``stages`` (default: every stage whose topic exists)."""
    for stage in stages or []:
        check_stage(stage)
    existing = await existing_topics(kafka)
    topics = kafka.topics
    wanted = stages or [stage for stage in known_stages() if topics.deadletter(stage) in existing]
    decisions = await read_decisions(kafka)
    found: list[Entry] = []
    for stage in wanted:
        records = await read_to_end(kafka, topics.deadletter(stage))
        entries = entries_of(stage, [letter_of(stage, record) for record in records], decisions)
        found += [entry for entry in entries if include_resolved or entry.is_open]
    return found


async def find(kafka: KafkaSettings, stage: str, ref: str) -> Entry:
    """The dead letter ``ref`` (``partition:offset`` or message id) of ``stage``."""
    for entry in await load(kafka, [stage], include_resolved=True):
        if entry.matches(ref):
            return entry
    raise NoSuchDeadLetter(stage, ref)
