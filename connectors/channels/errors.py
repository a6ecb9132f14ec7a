"""What can go wrong at an ingress channel, as one small tree of typed errors.

::

    ChannelError                 anything a channel refuses or cannot do
    ├── RawStoreError            Kafka did not acknowledge the raw record (retryable)
    ├── SignatureError           the sender could not be authenticated
    │   ├── MissingSignature     no signature header at all
    │   ├── MalformedSignature   a header that does not follow the scheme
    │   ├── SignatureExpired     a timestamp outside the replay window
    │   └── SignatureMismatch    no signature matches any secret we hold
    └── BodyTooLarge             the body exceeds the channel's limit

Channels translate library failures (aiokafka, the HTTP server) into these at their
edge, so callers decide on an answer per type and never on a library's exception.
The messages are safe to log and to return to a partner: they never carry a secret,
a digest, a body or personal data.
"""

from __future__ import annotations


class ChannelError(Exception):
    """Base of every error an ingress channel raises on purpose."""


class RawStoreError(ChannelError):
    """The raw record was not acknowledged by Kafka, so the partner must send again.

    Whether the record landed is unknown (a time-out may hide a late success); a
    re-send is safe because deduplication happens downstream by deterministic ids.
    """


class SignatureError(ChannelError):
    """The request's signature does not prove it comes from the partner.

    ``reason`` is a short, fixed text for the partner (``signature expired``); it is
    the same for every instance of a class, so it can never leak request data.
    """

    reason = "signature invalid"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.reason)


class MissingSignature(SignatureError):
    """The request carries no signature header (or an empty one)."""

    reason = "signature missing"


class MalformedSignature(SignatureError):
    """The signature header does not follow ``t=<seconds>,v1=<hex>[,v1=<hex>...]``."""

    reason = "signature malformed"


class SignatureExpired(SignatureError):
    """The signed timestamp lies outside the replay window (past or future)."""

    reason = "signature expired"


class SignatureMismatch(SignatureError):
    """No ``v1`` value matches the body under any of the secrets held."""

    reason = "signature mismatch"


class BodyTooLarge(ChannelError):
    """The body is larger than the channel accepts; it was not (fully) read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {limit} bytes")
        self.limit = limit
