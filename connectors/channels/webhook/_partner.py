"""How one partner uses the webhook channel: its secrets, header, limit and key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

DEFAULT_MAX_BODY_BYTES = 1_048_576  # 1 MiB, Maasdal's documented maximum

MessageKey = Callable[[bytes], bytes | None]
"""Extracts the Kafka key from a raw body; returns None when it cannot, never raises."""

# Partner ids end up in URL paths and Kafka topic names: keep them to safe characters.
_PARTNER_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def no_key(body: bytes) -> bytes | None:
    """Spread records over partitions when a partner's messages have no natural key."""
    return None


def json_key(field_name: str) -> MessageKey:
    """A :data:`MessageKey` reading a top-level string field of a JSON object body.

    For Maasdal ``json_key("opdrachtnummer")`` puts all messages about one order on
    one partition, so they stay in order. A body that is not JSON, not an object or
    lacks the field gets no key (it is still stored; the translator deals with it).
    """

    def extract(body: bytes) -> bytes | None:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        value = document.get(field_name) if isinstance(document, dict) else None
        if isinstance(value, str) and value:
            return value.encode("utf-8")
        return None

    return extract


@dataclass(frozen=True)
class WebhookPartner:
    """The webhook configuration of one partner.

    ``secrets`` holds one shared secret, or two during a rotation (old and new); it
    is left out of ``repr`` so a logged configuration never shows it.
    """

    partner_id: str
    signature_header: str
    secrets: tuple[str, ...] = field(repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    message_key: MessageKey = no_key

    def __post_init__(self) -> None:
        if not _PARTNER_ID.fullmatch(self.partner_id):
            raise ValueError(f"partner id {self.partner_id!r} must match {_PARTNER_ID.pattern}")
        if isinstance(self.secrets, str):
            raise TypeError("secrets must be a tuple of strings, not one string")
        if not self.secrets or not all(self.secrets):
            raise ValueError(f"partner {self.partner_id} needs at least one non-empty secret")
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
