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


def event_id(partner: str, partner_message_id: str, fact_index: int) -> str:
    """A UUID (version 5) from the partner, its message id and the fact's place in it.

    Exactly ``str(uuid.uuid5(KETENBUS_NAMESPACE, name))`` (a test pins it), written
    out because it runs for every event and the UUID object cost half of it."""
    if fact_index < 0:
        raise ValueError("fact_index must be 0 or more")
    name = f"{partner}\x1f{partner_message_id}\x1f{fact_index}"
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    hex_ = digest.hex()
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"
