"""The one seam between a partner's format and the contract.

An inbound adapter is a pure function from one raw partner message to canonical
events, or a typed :class:`~connectors.errors.TranslationError`. No I/O, no clock, no
state: the translator runtime around it does Kafka, transactions and dead letters,
so an adapter is tested on bytes alone.

A raw message that holds many partner messages (a Heuvelland batch file, a Gulpdal
CSV export) must not fail as a whole because one of them is bad. Such an adapter
returns a :class:`Translation`: the events of the good parts and one typed error per
bad part. The translator writes the events and a dead letter per failure in the same
transaction. An adapter of one-message bodies (Maasdal) keeps returning a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from connectors.errors import InvalidMessage, TranslationError
from contracts import CanonicalEvent, RawMessage


@dataclass(frozen=True)
class Translation:
    """What came of a raw message with many parts: the good parts' events, and a typed
    error for each part that could not be translated (its ``message_id`` names the part:
    a Bericht id, or a file name and line number)."""

    events: Sequence[CanonicalEvent] = ()
    failures: Sequence[TranslationError] = field(default=())


class InboundAdapter(Protocol):
    def __call__(self, raw: RawMessage) -> list[CanonicalEvent] | Translation:
        """The canonical events in one raw message (raises TranslationError when the
        message as a whole cannot be read; reports bad parts in a Translation)."""
        ...


def as_translation(result: list[CanonicalEvent] | Translation) -> Translation:
    """Either adapter result as a Translation (a list has no failures)."""
    if isinstance(result, Translation):
        return result
    return Translation(events=tuple(result))


def invalid(exc: ValidationError, *, message_id: str = "") -> InvalidMessage:
    """An InvalidMessage naming each bad field and what is wrong, never its value."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(message)'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    )
    return InvalidMessage(problems, message_id=message_id)
