"""Timestamped HMAC signatures on webhook bodies (the scheme Maasdal uses).

The sender puts ``t=<unix seconds>,v1=<hex>[,v1=<hex>...]`` in a header, where each
``v1`` is the lowercase hex HMAC-SHA256 of the bytes ``<t>.<raw body>`` keyed with a
shared secret. Signing the timestamp together with the body lets the receiver refuse
replays outside a short window without keeping any state.

Secret rotation needs no downtime: the sender may sign with the old and the new
secret at once (two ``v1`` values) and the receiver may hold both secrets; any one
match passes. Unknown keys (a future ``v2``) are ignored, so the sender can add a
scheme before the receiver knows it.

Errors never carry the secret, the body or a digest: they say only what failed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.channels.errors import (
    MalformedSignature,
    MissingSignature,
    SignatureExpired,
    SignatureMismatch,
)

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300

# Bounds that keep parsing and HMAC work small whatever a client sends.
_MAX_HEADER_LENGTH = 1024
_MAX_SIGNATURES = 8
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The header value a sender with ``secret`` puts on ``body`` at ``timestamp``."""
    return f"t={timestamp},{SCHEME}={_digest(str(timestamp), body, secret)}"


def verify_signature(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    *,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Return if ``header`` proves ``body`` was signed recently with one of ``secrets``.

    Raises :class:`MissingSignature`, :class:`MalformedSignature`,
    :class:`SignatureExpired` (``|now - t| > tolerance_seconds``, both directions, so
    a sender's clock running ahead cannot pre-sign for later) or
    :class:`SignatureMismatch`. Every candidate is compared in constant time.
    """
    check_signature_header(header, now=now, tolerance_seconds=tolerance_seconds).verify(
        body, secrets
    )


@dataclass(frozen=True)
class SignatureHeader:
    """A signature header that is well formed and inside the replay window; whether it
    matches the body is for :meth:`verify`, once the body is read."""

    timestamp: str
    candidates: tuple[str, ...]

    def verify(self, body: bytes, secrets: Sequence[str]) -> None:
        """Raise :class:`SignatureMismatch` unless a candidate is the HMAC of ``body``
        under one of ``secrets``."""
        if not secrets:
            raise ValueError("at least one secret is needed to verify a signature")
        expected = [_digest(self.timestamp, body, secret) for secret in secrets]
        # No early exit: the time taken must not depend on which pair matched.
        matched = False
        for candidate in self.candidates:
            for digest in expected:
                matched |= hmac.compare_digest(candidate, digest)
        if not matched:
            raise SignatureMismatch()


def check_signature_header(
    header: str | None,
    *,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> SignatureHeader:
    """What can be checked before the body is read: presence, format, replay window.

    The webhook calls this on the request head, so a stale or malformed signature is
    refused without receiving (and holding) a byte of the body.
    """
    timestamp, candidates = _parse(header)
    if abs(now - int(timestamp)) > tolerance_seconds:
        raise SignatureExpired()
    return SignatureHeader(timestamp, tuple(candidates))


def _parse(header: str | None) -> tuple[str, list[str]]:
    """Split a header into its timestamp (as sent) and its ``v1`` values."""
    if header is None or not header.strip():
        raise MissingSignature()
    if len(header) > _MAX_HEADER_LENGTH:
        raise MalformedSignature("signature header too long")
    timestamps: list[str] = []
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise MalformedSignature("signature header part without '='")
        if name == "t":
            timestamps.append(value)
        elif name == SCHEME:
            candidates.append(value)
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise MalformedSignature("signature header needs exactly one numeric t")
    if not candidates:
        raise MalformedSignature(f"signature header has no {SCHEME} value")
    if len(candidates) > _MAX_SIGNATURES:
        raise MalformedSignature(f"signature header has too many {SCHEME} values")
    if not all(_HEX_DIGEST.fullmatch(candidate) for candidate in candidates):
        raise MalformedSignature(f"signature {SCHEME} is not 64 lowercase hex digits")
    return timestamps[0], candidates


def _digest(timestamp: str, body: bytes, secret: str) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
