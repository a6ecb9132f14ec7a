"""The status clock's record of an order: what it remembers and how two copies merge."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from router.destinations.onderhoud.status_clock import _OrderClock

EARLY = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_a_record_round_trips_with_its_decisions() -> None:
    clock = _OrderClock(LATE, "e-tge", {"e-acc": True, "e-tge": True, "e-late": False})
    assert _OrderClock.from_json(clock.to_json()) == clock
    assert json.loads(clock.to_json()) == {
        "status_at": "2026-11-26T09:00:00+00:00",
        "event_id": "e-tge",
        "with_status": {"e-acc": True, "e-tge": True, "e-late": False},
    }


def test_a_record_written_before_decisions_were_kept_still_reads() -> None:
    old = json.dumps({"status_at": EARLY.isoformat(), "event_id": "e-acc"}).encode()
    assert _OrderClock.from_json(old) == _OrderClock(EARLY, "e-acc", {})


def test_merging_never_moves_the_clock_back_and_keeps_every_decision() -> None:
    memory = _OrderClock(LATE, "e-tge", {"e-tge": True})
    memory.merge(_OrderClock(EARLY, "e-acc", {"e-acc": True}))
    assert memory == _OrderClock(LATE, "e-tge", {"e-tge": True, "e-acc": True})
    behind = _OrderClock(EARLY, "e-acc", {"e-acc": True})
    behind.merge(_OrderClock(LATE, "e-tge", {"e-tge": True}))
    assert behind == _OrderClock(LATE, "e-tge", {"e-acc": True, "e-tge": True})
