"""Deterministic event ids: the same partner message always yields the same ids.

A re-sent partner message, a retry and a replay therefore carry the same id, and
that id travels to the corporation as ``X-Stuurgegevens-Referentienummer``, which its
systems use to do a request only once.
"""

from __future__ import annotations

import uuid

KETENBUS_NAMESPACE = uuid.UUID("6f1c1f8e-3b0a-5d2e-9a51-6b6574656e62")
"""Fixed for ever: changing it would give every past fact a new id."""


def event_id(partner: str, partner_message_id: str, fact_index: int) -> str:
    """A UUID (version 5) from the partner, its message id and the fact's place in it."""
    if fact_index < 0:
        raise ValueError("fact_index must be 0 or more")
    name = f"{partner}\x1f{partner_message_id}\x1f{fact_index}"
    return str(uuid.uuid5(KETENBUS_NAMESPACE, name))
