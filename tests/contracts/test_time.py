"""Dutch local time, including the hour that does not exist and the hour that happens twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts import end_of_local_day_utc, local_to_utc


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (datetime(2026, 11, 26, 8, 2), datetime(2026, 11, 26, 7, 2, tzinfo=UTC)),  # winter
        (datetime(2026, 7, 1, 8, 2), datetime(2026, 7, 1, 6, 2, tzinfo=UTC)),  # summer
        # 29 March 2026, 02:30 does not exist: read with the offset before the jump.
        (datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # 25 October 2026, 02:30 happens twice: the first time (summer time).
        (datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 10, 25, 3, 30), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_local_to_utc(local: datetime, utc: datetime) -> None:
    assert local_to_utc(local) == utc
    assert local_to_utc(local).tzinfo is UTC


def test_an_aware_time_is_refused() -> None:
    with pytest.raises(ValueError, match="without an offset"):
        local_to_utc(datetime(2026, 1, 1, tzinfo=UTC))


def test_end_of_local_day() -> None:
    assert end_of_local_day_utc(date(2026, 12, 4)) == datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC)
