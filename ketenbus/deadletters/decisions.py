"""Ops' decisions about dead letters, kept in a compacted topic.

Kafka topics are append-only: a dead letter cannot be removed once it is dealt with.
So every replay or discard writes a decision record to ``keten.deadletter.decisions``
(key = ``<stage>|<dead-letter key>``, compacted, so the latest decision per dead
letter stays): who decided, when (aware UTC), what, why, and which dead-letter records
(``partition:offset``) it covers. A dead letter is open while one of its records is
not covered: a fact that fails again after its replay is parked under the same event
id at a new offset, and shows as open again.

A decision never holds a record's content: the reason is ops' own text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts import KafkaSettings
from kit.kafka.state import read_to_end


class Action(StrEnum):
    REPLAYED = "replayed"
    DISCARDED = "discarded"


OPEN = "open"


@dataclass(frozen=True)
class Decision:
    stage: str
    key: str
    """The dead letter's key (its message id, or the original's topic:partition:offset)."""
    action: Action
    by: str
    at: datetime
    reason: str
    letters: tuple[str, ...]
    """The dead-letter records it covers, as ``partition:offset``."""
    replayed_to: str = ""
    """For a replay: where the record went, as ``topic:partition:offset``."""

    @property
    def kafka_key(self) -> bytes:
        return decision_key(self.stage, self.key)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "stage": self.stage,
                "key": self.key,
                "action": self.action.value,
                "by": self.by,
                "at": self.at.isoformat(),
                "reason": self.reason,
                "letters": list(self.letters),
                "replayed_to": self.replayed_to,
            },
            ensure_ascii=False,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Decision:
        data = json.loads(raw)
        at = datetime.fromisoformat(data["at"])
        if at.tzinfo is None:
            raise ValueError("a decision's time must carry its offset")
        return cls(
            stage=data["stage"],
            key=data["key"],
            action=Action(data["action"]),
            by=data["by"],
            at=at,
            reason=data.get("reason", ""),
            letters=tuple(data.get("letters", ())),
            replayed_to=data.get("replayed_to", ""),
        )


def decision_key(stage: str, key: str) -> bytes:
    return f"{stage}|{key}".encode()


async def read_decisions(kafka: KafkaSettings) -> dict[bytes, Decision]:
    """The latest decision per dead letter, as the topic holds them now."""
    decisions: dict[bytes, Decision] = {}
    for record in await read_to_end(kafka, kafka.topics.deadletter_decisions):
        if record.key is None:
            continue
        if record.value is None:
            decisions.pop(record.key, None)
            continue
        decisions[record.key] = Decision.from_json(record.value)
    return decisions
