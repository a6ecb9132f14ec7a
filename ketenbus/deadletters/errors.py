"""The typed errors of the dead-letter tooling.

Each message names what was wrong (the stage, the reference, the topic, partition and
offset) and never a record's content: a dead letter may hold personal data, even
special-category data, and these messages end up on terminals and in logs.
"""

from __future__ import annotations


class DeadLetterError(Exception):
    """Something ops asked of the dead letters cannot be done; the message says why."""


class UnknownStage(DeadLetterError):
    def __init__(self, stage: str, known: list[str]) -> None:
        super().__init__(f"unknown stage {stage!r}; known stages: {', '.join(known)}")
        self.stage = stage


class NoSuchDeadLetter(DeadLetterError):
    def __init__(self, stage: str, ref: str) -> None:
        super().__init__(
            f"no dead letter {ref!r} in stage {stage!r} (a reference is the dead letter's "
            "partition:offset or its kb_dlq_message_id, as `ketenbus deadletters list` shows)"
        )
        self.stage = stage
        self.ref = ref


class OriginalGone(DeadLetterError):
    """A dead letter parked without bytes whose original the source topic no longer has."""

    def __init__(self, topic: str, partition: int, offset: int, why: str) -> None:
        super().__init__(
            f"parked without bytes and the original at {topic} partition {partition} offset "
            f"{offset} cannot be read: {why}; nothing to replay (discard it with a reason)"
        )


class NotReplayable(DeadLetterError):
    """A dead letter that replaying cannot help (it says why)."""


class MissingDecider(DeadLetterError):
    def __init__(self) -> None:
        super().__init__("who decides? pass --by NAME (or set $USER)")
