"""One entry per dead letter, and its status from the decisions (no broker needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import DeadLetter
from ketenbus.deadletters.decisions import Action, Decision, decision_key
from ketenbus.deadletters.inventory import entries_of
from ketenbus.deadletters.reading import Letter


def letter(offset: int, message_id: str, origin_offset: int) -> Letter:
    record = DeadLetter(
        topic="keten.orders.v1", partition=1, offset=origin_offset, stage="onderhoud",
        exception="Rejected", message="answered 404", message_id=message_id,
        destination="onderhoud",
    ).to_kafka(b"WL-2026-000001", b"{}", (("ce_id", message_id.encode()),))  # fmt: skip
    return Letter("onderhoud", "keten.deadletter.onderhoud", 0, offset, record.key,
                  record.value, record.headers)  # fmt: skip


def replayed(*refs: str) -> dict[bytes, Decision]:
    decision = Decision("onderhoud", "E-1", Action.REPLAYED, "ops", datetime.now(UTC), "",
                        refs)  # fmt: skip
    return {decision_key("onderhoud", "E-1"): decision}


def test_a_dead_letter_parked_twice_is_one_entry_and_replaying_covers_both() -> None:
    (entry,) = entries_of("onderhoud", [letter(3, "E-1", 10), letter(4, "E-1", 10)], {})
    assert (entry.key, [x.ref for x in entry.letters], entry.status) == ("E-1", ["0:3", "0:4"],
                                                                        "open")  # fmt: skip
    (entry,) = entries_of("onderhoud", [letter(3, "E-1", 10), letter(4, "E-1", 10)],
                          replayed("0:3", "0:4"))  # fmt: skip
    assert entry.status == "replayed"


def test_a_fact_that_fails_again_after_its_replay_is_open_again() -> None:
    letters = [letter(3, "E-1", 10), letter(9, "E-1", 0)]  # the second from the replay topic
    (entry,) = entries_of("onderhoud", letters, replayed("0:3"))
    assert entry.status == "open"
    assert entry.latest.ref == "0:9"


def test_without_a_message_id_the_original_place_is_the_key() -> None:
    (entry,) = entries_of("onderhoud", [letter(3, "", 10), letter(5, "", 10)], {})
    assert entry.key == "keten.orders.v1:1:10"
    assert entry.matches("0:5")
    assert not entry.matches("0:4")
