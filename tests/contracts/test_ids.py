"""Event ids: deterministic UUIDv5s, written out by hand for speed, equal to the stdlib's."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from contracts import event_id
from contracts._ids import KETENBUS_NAMESPACE


@given(st.text(), st.text(), st.integers(min_value=0, max_value=10_000))
def test_the_id_is_the_standard_uuid5_of_partner_message_and_index(
    partner: str, message_id: str, index: int
) -> None:
    name = f"{partner}\x1f{message_id}\x1f{index}"
    assert event_id(partner, message_id, index) == str(uuid.uuid5(KETENBUS_NAMESPACE, name))


def test_a_known_id_never_changes() -> None:
    assert event_id("maasdal", "MSG-1", 0) == str(
        uuid.uuid5(KETENBUS_NAMESPACE, "maasdal\x1fMSG-1\x1f0")
    )
    assert uuid.UUID(event_id("maasdal", "MSG-1", 0)).version == 5
