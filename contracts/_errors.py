"""Errors of the contract.

ContractError                  a message is not a valid canonical event
├── UnknownFactType            its ``ce_type`` names no fact of this contract
└── InvalidEnvelope            headers missing or malformed, or the data invalid
"""

from __future__ import annotations

from pydantic import ValidationError


class ContractError(ValueError):
    """A message is not a valid canonical event."""


class UnknownFactType(ContractError):
    """The event's type names no fact type of this contract version."""


class InvalidEnvelope(ContractError):
    """A required CloudEvents header is missing or malformed, or the data is invalid."""


def validation_problems(exc: ValidationError) -> str:
    """Each problem as ``field.path: what is wrong``, never the value that was sent.

    The value may be personal data (a name in the wrong field); pydantic's own
    ``str(exc)`` shows it, so nothing that can reach a log or a dead letter uses that.
    An unknown code reads ``cause: not a code of DICO oorzaak (known: HUU, SLT, OUD)``.
    """
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False, include_context=False)
    )
