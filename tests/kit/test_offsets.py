"""The committable offset when records of one partition finish out of order."""

from __future__ import annotations

from kit.delivery.offsets import PartitionOffsets


def test_commits_only_past_finished_records() -> None:
    offsets = PartitionOffsets()
    assert offsets.to_commit() is None
    for offset in (5, 6, 7, 8):
        offsets.fetched(offset)
    assert offsets.committable == 5
    offsets.finished(7)  # another order's fact, done early
    offsets.finished(6)
    assert offsets.committable == 5  # 5 is still being delivered
    offsets.finished(5)
    assert offsets.committable == 8
    assert offsets.pending == 1
    offsets.finished(8)
    assert offsets.to_commit() == 9
    offsets.committed = 9
    assert offsets.to_commit() is None
