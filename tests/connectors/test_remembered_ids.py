"""A raw partition's remembered ids: in a set while few, then sealed into sorted arrays,
with the same answers either way."""

from __future__ import annotations

import uuid

import pytest

from connectors import remembered_ids
from connectors.remembered_ids import RememberedIds


@pytest.fixture(autouse=True)
def seal_early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remembered_ids, "SEAL_MIN", 4)


def ids(count: int, *, start: int = 0) -> list[bytes]:
    return [
        uuid.UUID(int=(n * 0x9E3779B97F4A7C15) % 2**128).bytes for n in range(start, start + count)
    ]


def test_ids_sealed_into_the_arrays_are_still_known_and_others_are_not() -> None:
    memory = RememberedIds()
    memory.add(100, ids(3))
    assert not memory.seal_due()  # three: not yet worth it
    memory.add(101, ids(2, start=3))
    assert memory.seal_due()

    memory.seal()

    assert memory.sealed is not None
    assert memory.ids == set()
    assert len(memory) == 5
    assert all(key in memory for key in ids(5))
    assert not any(key in memory for key in ids(50, start=5))


def test_ids_that_share_their_first_eight_bytes_are_told_apart() -> None:
    twins = [bytes(8) + bytes([n]) * 8 for n in (1, 2, 3, 5)]
    memory = RememberedIds()
    memory.add(100, twins)
    memory.seal()

    assert memory.sealed is not None
    assert all(key in memory for key in twins)
    assert bytes(8) + bytes([4]) * 8 not in memory
    assert bytes(8) + bytes([6]) * 8 not in memory


def test_forgotten_ids_are_unknown_in_the_set_and_in_the_arrays() -> None:
    memory = RememberedIds()
    sealed, recent = ids(4), ids(2, start=4)
    memory.add(100, sealed)
    memory.seal()
    memory.add(100, recent)

    memory.forget([sealed[1], recent[0]])

    assert len(memory) == 4
    assert sealed[1] not in memory
    assert recent[0] not in memory
    assert {key for key in [*sealed, *recent] if key in memory} == {
        sealed[0],
        sealed[2],
        sealed[3],
        recent[1],
    }
    # Claimed again (its batch is read again): known again, once.
    memory.add(102, [sealed[1], recent[0]])
    assert sealed[1] in memory
    assert recent[0] in memory
    assert len(memory) == 6


def test_pruning_forgets_by_the_hour_in_the_set_and_in_the_arrays() -> None:
    memory = RememberedIds()
    old, kept, recent = ids(2), ids(2, start=2), ids(1, start=4)
    memory.add(100, old)
    memory.add(101, kept)
    memory.seal()
    memory.add(101, recent)

    memory.prune(oldest_hour=101)

    assert len(memory) == 3
    assert not any(key in memory for key in old)
    assert all(key in memory for key in [*kept, *recent])
    memory.prune(oldest_hour=102)
    assert len(memory) == 0
    assert memory.sealed is None


def test_sealing_again_keeps_the_sealed_ids_and_drops_the_forgotten() -> None:
    memory = RememberedIds()
    first, second = ids(4), ids(4, start=4)
    memory.add(100, first)
    memory.seal()
    memory.forget([first[0]])
    memory.add(101, second)

    memory.seal()

    assert memory.ids == set()
    assert memory.sealed is not None
    assert len(memory.sealed.ids) == 7  # the forgotten one's place is gone
    assert {key for key in [*first, *second] if key in memory} == {*first[1:], *second}


def test_what_is_read_back_goes_straight_into_the_array_when_it_is_many() -> None:
    many, few = RememberedIds(), RememberedIds()
    many.add_written([(100, b"".join(ids(3))), (101, b"".join(ids(3, start=3)))], large=True)
    few.add_written([(100, b"".join(ids(3)))], large=True)

    assert many.sealed is not None
    assert (len(many), many.ids) == (6, set())
    assert all(key in many for key in ids(6))
    assert few.sealed is None
    assert few.ids == set(ids(3))
    many.prune(oldest_hour=101)
    assert {key for key in ids(6) if key in many} == set(ids(3, start=3))
