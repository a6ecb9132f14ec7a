"""Why a partner message could not become canonical facts.

    TranslationError              the message stays a raw record and goes to the dead letters
    ├── UnreadableMessage         not parseable at all (bad JSON/XML/CSV, wrong encoding)
    │   └── UnsafeMessage         carries what is never data: a DTD, an entity, an external
    │                             reference (an attack, refused before anything is expanded)
    ├── InvalidMessage            parseable, but a field is missing, malformed or not in its list
    │   └── InvoiceDoesNotAddUp   an invoice whose amounts do not add up, difference named
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


class UnsafeMessage(UnreadableMessage):
    """The message declares a DTD, an entity or an external reference: an attack, never data."""


class InvalidMessage(TranslationError):
    """The message breaks the partner's interface: a field is missing, malformed or unknown."""


class InvoiceDoesNotAddUp(InvalidMessage):
    """An invoice's stated amounts differ from what its lines compute; refused as a whole.

    ``differences`` lists each, e.g. ``total incl. btw is 207.16, computed 207.15
    (difference 0.01)``.
    """

    def __init__(self, reason: str, *, differences: list[str], message_id: str = "") -> None:
        super().__init__(reason, message_id=message_id)
        self.differences = differences


class UnsupportedMessage(TranslationError):
    """A valid message of a kind that this adapter does not translate."""
