"""Why a partner message could not become canonical facts.

    TranslationError              the message stays a raw record and goes to the dead letters
    ├── UnreadableMessage         not parseable at all (bad JSON/XML/CSV, wrong encoding)
    ├── InvalidMessage            parseable, but a field is missing, malformed or not in its list
    └── UnsupportedMessage        a valid message of a kind this adapter does not translate

Messages name fields and codes, never values that might be personal data: the error
text ends up in dead-letter headers that ops sees by default.
"""

from __future__ import annotations


class TranslationError(ValueError):
    """A partner message could not be translated; ``message_id`` when it could be read."""

    def __init__(self, reason: str, *, message_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id


class UnreadableMessage(TranslationError):
    """The bytes are not a message of the partner's format."""


class InvalidMessage(TranslationError):
    """The message breaks the partner's interface: a field is missing, malformed or unknown."""


class UnsupportedMessage(TranslationError):
    """A valid message of a kind that this adapter does not translate."""
