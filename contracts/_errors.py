"""Errors of the contract.

ContractError                  a message is not a valid canonical event
├── UnknownFactType            its ``ce_type`` names no fact of this contract
└── InvalidEnvelope            headers missing or malformed, or the data invalid
"""

from __future__ import annotations


class ContractError(ValueError):
    """A message is not a valid canonical event."""


class UnknownFactType(ContractError):
    """The event's type names no fact type of this contract version."""


class InvalidEnvelope(ContractError):
    """A required CloudEvents header is missing or malformed, or the data is invalid."""
