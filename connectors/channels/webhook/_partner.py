"""How one partner uses the webhook channel: its header, media types, limit, secrets, key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

DEFAULT_MAX_BODY_BYTES = 1_048_576  # 1 MiB, Maasdal's documented maximum
DEFAULT_CONTENT_TYPES = ("application/json",)
RETRY_AFTER_SECONDS = 5  # what every 503 asks a partner to wait before sending again

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


@dataclass(frozen=True, kw_only=True)
class WebhookEndpoint:
    """The public side of one partner's webhook: what its OpenAPI contract shows.

    A partner plugin declares it (``PartnerPlugin.webhook_endpoint``) so the contract
    can be generated without any secret; :meth:`with_secrets` makes the
    :class:`WebhookPartner` the app serves.
    """

    partner_id: str
    signature_header: str
    content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not _PARTNER_ID.fullmatch(self.partner_id):
            raise ValueError(f"partner id {self.partner_id!r} must match {_PARTNER_ID.pattern}")
        if self.max_body_bytes <= 0:
            raise ValueError("max_body_bytes must be positive")
        if isinstance(self.content_types, str) or not self.content_types:
            raise ValueError("content_types must be a non-empty tuple of media types")
        if any(t != t.strip().lower() or ";" in t or "/" not in t for t in self.content_types):
            raise ValueError("content_types are lowercase media types without parameters")

    def accepts(self, content_type: str | None) -> bool:
        """Whether a request's ``Content-Type`` (parameters such as charset aside) is
        one of this partner's media types."""
        if content_type is None:
            return False
        return content_type.split(";", 1)[0].strip().lower() in self.content_types

    def with_secrets(
        self, secrets: tuple[str, ...], message_key: MessageKey = no_key
    ) -> WebhookPartner:
        return WebhookPartner(
            partner_id=self.partner_id,
            signature_header=self.signature_header,
            content_types=self.content_types,
            max_body_bytes=self.max_body_bytes,
            secrets=secrets,
            message_key=message_key,
        )


@dataclass(frozen=True, kw_only=True)
class WebhookPartner(WebhookEndpoint):
    """The webhook configuration of one partner: its endpoint, secrets and key.

    ``secrets`` holds one shared secret, or two during a rotation (old and new); it
    is left out of ``repr`` so a logged configuration never shows it.
    """

    secrets: tuple[str, ...] = field(repr=False)
    message_key: MessageKey = no_key

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.secrets, str):
            raise TypeError("secrets must be a tuple of strings, not one string")
        if not self.secrets or not all(self.secrets):
            raise ValueError(f"partner {self.partner_id} needs at least one non-empty secret")
