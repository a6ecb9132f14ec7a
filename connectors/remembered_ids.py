"""One raw partition's remembered event ids, in memory, by the hour of their receipt.

New ids go into a set: about 135 bytes an id with its hour bucket, found in a tenth of
a microsecond. When the translator's memory grows large it seals them (:meth:`seal`):
they move into a sorted array (numpy, imported then), 20 bytes an id with its hour,
found by binary search in a few microseconds. A set is due to be sealed once it
holds :data:`SEAL_MIN` ids, or an eighth of those sealed before, so each id moves a few
times at most and a move of a million takes about a tenth of a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

ID_BYTES = 16
SEAL_MIN = 4_096
"""Ids in the set before it is worth sealing."""
SEAL_FRACTION = 8


class RememberedIds:
    """The ids, each with the hour it was received (hours since the epoch)."""

    __slots__ = ("hours", "ids", "sealed")

    def __init__(self) -> None:
        self.ids: set[bytes] = set()
        """The ids not sealed yet."""
        self.hours: dict[int, list[bytes]] = {}
        """The same, by hour (an id forgotten meanwhile may still be listed here)."""
        self.sealed: _Sealed | None = None

    def __contains__(self, key: bytes) -> bool:
        return key in self.ids or (self.sealed is not None and key in self.sealed)

    def __len__(self) -> int:
        return len(self.ids) + (len(self.sealed) if self.sealed is not None else 0)

    def add(self, hour: int, ids: Sequence[bytes]) -> None:
        """Remember ``ids`` (none of them known yet), received in ``hour``."""
        self.ids.update(ids)
        bucket = self.hours.get(hour)
        if bucket is None:
            self.hours[hour] = list(ids)
        else:
            bucket += ids

    def add_written(self, written: Sequence[tuple[int, bytes]], *, large: bool) -> None:
        """Remember what was read back: (hour, the ids' bytes one after the other). If
        the translator's memory is ``large``, they go straight into the array when there
        are enough (a million ids as bytes objects first would take 135 MB that the
        process might not give back)."""
        if large and sum(len(blob) for _, blob in written) // ID_BYTES >= SEAL_MIN:
            self.sealed = _Sealed.of(written, self.sealed)
            return
        for hour, blob in written:
            self.add(hour, [blob[i : i + ID_BYTES] for i in range(0, len(blob), ID_BYTES)])

    def seal_due(self) -> bool:
        sealed = len(self.sealed) if self.sealed is not None else 0
        return len(self.ids) >= max(SEAL_MIN, sealed // SEAL_FRACTION)

    def forget(self, ids: Iterable[bytes]) -> None:
        """Forget ids remembered for a batch that was not written."""
        for key in ids:
            if key in self.ids:
                self.ids.discard(key)
            elif self.sealed is not None:
                self.sealed.forget(key)

    def prune(self, oldest_hour: int) -> None:
        """Forget every id received before ``oldest_hour``."""
        for hour in [hour for hour in self.hours if hour < oldest_hour]:
            self.ids.difference_update(self.hours.pop(hour))
        if self.sealed is not None:
            self.sealed = self.sealed.pruned(oldest_hour)

    def seal(self) -> None:
        """Move the set's ids into the sorted array."""
        written: dict[bytes, int] = {}  # the latest hour of an id listed twice
        for hour, bucket in self.hours.items():
            for key in bucket:
                if key in self.ids:
                    written[key] = hour
        by_hour: dict[int, list[bytes]] = {}
        for key, hour in written.items():
            by_hour.setdefault(hour, []).append(key)
        self.sealed = _Sealed.of(
            [(hour, b"".join(keys)) for hour, keys in by_hour.items()], self.sealed
        )
        self.ids = set()
        self.hours = {}


class _Sealed:
    """Ids in one sorted array of 16-byte strings (numpy compares them as bytes, so the
    order is the bytes' order), with the hour of each; a forgotten id keeps its place
    with hour 0."""

    __slots__ = ("bytes", "hour", "ids", "live", "np")

    def __init__(self, numpy: Any, ids: np.ndarray, hour: np.ndarray) -> None:
        self.np = numpy
        self.ids, self.hour = ids, hour
        self.bytes = memoryview(ids.data).cast("B")
        """The same ids as one run of bytes: numpy's own items drop trailing zero bytes."""
        self.live = int(numpy.count_nonzero(hour))

    @classmethod
    def of(cls, written: Sequence[tuple[int, bytes]], before: _Sealed | None) -> _Sealed:
        import numpy as np

        blobs, hours = [], []
        for hour, blob in written:
            blobs.append(blob)
            hours.append(np.full(len(blob) // ID_BYTES, hour, dtype=np.uint32))
        new = np.frombuffer(b"".join(blobs), dtype=f"S{ID_BYTES}")
        new_hour = np.concatenate(hours) if hours else np.zeros(0, dtype=np.uint32)
        order = np.argsort(new, kind="stable")
        new, new_hour = new[order], new_hour[order]
        if before is None:
            return cls(np, new, new_hour)
        kept = before.hour != 0  # what was forgotten goes now
        old, old_hour = before.ids[kept], before.hour[kept]
        # A merge of two sorted arrays: each new id at its place in the old ones.
        at = old.searchsorted(new)
        return cls(np, np.insert(old, at, new), np.insert(old_hour, at, new_hour))

    def __len__(self) -> int:
        return self.live

    def _index(self, key: bytes) -> int:
        """Where ``key`` is (even forgotten), or -1."""
        index = int(self.ids.searchsorted(key))
        start = index * ID_BYTES
        if index < len(self.ids) and self.bytes[start : start + ID_BYTES] == key:
            return index
        return -1

    def __contains__(self, key: bytes) -> bool:
        index = self._index(key)
        return index >= 0 and bool(self.hour[index])

    def forget(self, key: bytes) -> None:
        index = self._index(key)
        if index >= 0 and self.hour[index]:
            self.hour[index] = 0
            self.live -= 1

    def pruned(self, oldest_hour: int) -> _Sealed | None:
        keep = self.hour >= oldest_hour  # a forgotten id (hour 0) goes too
        if keep.all():
            return self
        if not keep.any():
            return None
        return _Sealed(self.np, self.ids[keep], self.hour[keep])
