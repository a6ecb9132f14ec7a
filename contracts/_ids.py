"""Deterministic event ids: the same partner message always yields the same ids.

A re-sent partner message, a retry and a replay therefore carry the same id, and
that id travels to the corporation as ``X-Stuurgegevens-Referentienummer``, which its
systems use to do a request only once.
"""

from __future__ import annotations

import hashlib
import uuid

KETENBUS_NAMESPACE = uuid.UUID("6f1c1f8e-3b0a-5d2e-9a51-6b6574656e62")
"""Fixed for ever: changing it would give every past fact a new id."""

_NAMESPACE_BYTES = KETENBUS_NAMESPACE.bytes
_VARIANT = {digit: "89ab"[int(digit, 16) & 0x3] for digit in "0123456789abcdef"}
"""The first hex digit of the clock sequence with the RFC 4122 variant bits (10xx) set."""
_sha1 = hashlib.sha1


def event_id(partner: str, partner_message_id: str, fact_index: int) -> str:
    """A UUID (version 5) from the partner, its message id and the fact's place in it.

    Exactly ``str(uuid.uuid5(KETENBUS_NAMESPACE, name))`` (a test pins it), written
    out because it runs for every event: the UUID object cost half of it, and the
    version and variant are set in the hex digest's text (digit 12 is the version,
    digit 16 carries the variant) rather than in a copy of its bytes."""
    if fact_index < 0:
        raise ValueError("fact_index must be 0 or more")
    name = f"{partner}\x1f{partner_message_id}\x1f{fact_index}"
    hex_ = _sha1(_NAMESPACE_BYTES + name.encode()).hexdigest()
    return f"{hex_[:8]}-{hex_[8:12]}-5{hex_[13:16]}-{_VARIANT[hex_[16]]}{hex_[17:20]}-{hex_[20:32]}"
