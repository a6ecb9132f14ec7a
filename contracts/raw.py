"""Raw partner messages: the original bytes and how they reached ketenbus.

Ingress channels write one record per partner message (or file) to
``keten.raw.<partner>`` before they answer the partner, so nothing the partner was
told is stored can be lost, and every original can be translated again after a
mapping fix. The value is the original, byte for byte; the metadata are ``kb_``
headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from contracts._envelope import Headers, KafkaRecord
from contracts._errors import InvalidEnvelope


class RawHeader:
    """Header names of a raw record."""

    PARTNER = "kb_partner"
    CHANNEL = "kb_channel"
    RECEIVED_AT = "kb_received_at"
    CONTENT_TYPE = "kb_content_type"
    ORIGIN = "kb_origin"  # a file name, or the request id of a webhook call
    TRACEPARENT = "traceparent"


@dataclass(frozen=True)
class RawMessage:
    partner: str
    channel: str
    body: bytes
    received_at: datetime
    content_type: str = "application/octet-stream"
    origin: str = ""
    key: bytes | None = None
    traceparent: str | None = None
    extra_headers: Headers = field(default=())

    def to_kafka(self) -> KafkaRecord:
        headers = [
            (RawHeader.PARTNER, self.partner.encode()),
            (RawHeader.CHANNEL, self.channel.encode()),
            (RawHeader.RECEIVED_AT, self.received_at.astimezone(UTC).isoformat().encode()),
            (RawHeader.CONTENT_TYPE, self.content_type.encode()),
            (RawHeader.ORIGIN, self.origin.encode()),
        ]
        if self.traceparent:
            headers.append((RawHeader.TRACEPARENT, self.traceparent.encode()))
        return KafkaRecord(key=self.key, value=self.body, headers=(*headers, *self.extra_headers))

    @classmethod
    def from_kafka(cls, key: bytes | None, value: bytes, headers: Headers) -> RawMessage:
        # Runs for every raw record the translator reads: only the headers it uses are
        # decoded (a name given twice counts with its last value, as in a dict).
        found = dict(headers)
        try:
            return cls(
                found[RawHeader.PARTNER].decode("utf-8", "replace"),
                found[RawHeader.CHANNEL].decode("utf-8", "replace"),
                value,
                datetime.fromisoformat(found[RawHeader.RECEIVED_AT].decode("utf-8", "replace")),
                _text(found.get(RawHeader.CONTENT_TYPE), "application/octet-stream"),
                _text(found.get(RawHeader.ORIGIN), ""),
                key,
                _text(found.get(RawHeader.TRACEPARENT), None),
            )
        except (KeyError, ValueError) as exc:
            raise InvalidEnvelope(f"raw record without valid {exc} header") from None


_T = TypeVar("_T", str, None)


def _text(raw: bytes | None, default: _T) -> str | _T:
    return default if raw is None else raw.decode("utf-8", "replace")
