"""Dutch local time, decided once.

Partners send times without an offset; they mean Europe/Amsterdam wall-clock time,
with summer time. The contract stores every instant timezone-aware in UTC. Two hours
a year need a rule:

* **The hour that does not exist** (last Sunday of March, 02:00-03:00 is skipped): a
  time in it is read with the offset in force just before the jump (+01:00), so
  ``02:30`` becomes ``01:30Z`` (= 03:30 summer time). A clock that was not yet put
  forward shows exactly that.
* **The hour that happens twice** (last Sunday of October, 02:00-03:00 twice): a
  time in it is read as its first occurrence (summer time, +02:00). Partners' ERPs
  that lose the offset mostly log live events, and the first reading keeps their
  facts in the order they were sent.

Both are what ``zoneinfo`` does with ``fold=0``; this module is the one place that
says so, and the tests pin both cases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local_to_utc(wall_clock: datetime) -> datetime:
    """A naive Dutch wall-clock time as an aware UTC instant (rules above)."""
    if wall_clock.tzinfo is not None:
        raise ValueError("expected a time without an offset (Dutch local time)")
    return wall_clock.replace(tzinfo=AMSTERDAM, fold=0).astimezone(UTC)


def end_of_local_day_utc(day: date) -> datetime:
    """23:59:59 Dutch local time on ``day``, as UTC (the VERA deadline convention)."""
    return local_to_utc(datetime.combine(day, time(23, 59, 59)))


def as_utc(moment: datetime) -> datetime:
    """An aware instant in UTC; a naive one is refused rather than guessed."""
    if moment.tzinfo is UTC:
        return moment  # what astimezone(UTC) returns for it; every fact time is checked
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("expected a time with an offset")
    return moment.astimezone(UTC)
