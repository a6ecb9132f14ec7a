"""Which offset of a partition may be committed, when records finish out of order.

Facts of different orders in one partition are delivered in parallel, so record 7
may finish before record 5. The committed offset may only pass a record once it is
finished (delivered, skipped, withheld or parked), so it is the lowest offset still
pending, or one past the last record fetched when none is pending.
"""

from __future__ import annotations

from collections import deque


class PartitionOffsets:
    """The fetched-but-unfinished records of one partition."""

    def __init__(self) -> None:
        self._pending: deque[int] = deque()
        self._finished: set[int] = set()
        self._next: int | None = None
        self.committed: int | None = None
        """The offset last committed (the next record to read after a restart)."""

    def fetched(self, offset: int) -> None:
        """A record was handed out for delivery (offsets arrive in increasing order)."""
        self._pending.append(offset)
        self._next = offset + 1

    def finished(self, offset: int) -> None:
        """A record is done with; the committable offset may move past it."""
        self._finished.add(offset)
        while self._pending and self._pending[0] in self._finished:
            self._finished.discard(self._pending.popleft())

    @property
    def pending(self) -> int:
        """How many records are fetched but not finished."""
        return len(self._pending)

    @property
    def committable(self) -> int | None:
        """The offset to commit: everything below it is finished."""
        if self._pending:
            return self._pending[0]
        return self._next

    def to_commit(self) -> int | None:
        """The committable offset if it moved since the last commit, else None."""
        offset = self.committable
        if offset is None or offset == self.committed:
            return None
        return offset
