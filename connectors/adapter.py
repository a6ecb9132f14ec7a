"""The one seam between a partner's format and the contract.

An inbound adapter is a pure function from one raw partner message to canonical
events, or a typed :class:`~connectors.errors.TranslationError`. No I/O, no clock, no
state: the translator runtime around it does Kafka, transactions and dead letters,
so an adapter is tested on bytes alone.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import ValidationError

from connectors.errors import InvalidMessage
from contracts import CanonicalEvent, RawMessage


class InboundAdapter(Protocol):
    def __call__(self, raw: RawMessage) -> list[CanonicalEvent]:
        """The canonical events in one raw message (raises TranslationError)."""
        ...


def invalid(exc: ValidationError, *, message_id: str = "") -> InvalidMessage:
    """An InvalidMessage naming each bad field and what is wrong, never its value."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(message)'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    )
    return InvalidMessage(problems, message_id=message_id)
