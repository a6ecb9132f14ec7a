"""The one Retry-After reader, used by the router, the poller and outbound."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from kit.delivery.retry import retry_after


def answer(value: str | None) -> CIMultiDict[str]:
    """An answer's headers, written as a server may spell the name."""
    return CIMultiDict({} if value is None else {"retry-after": value})


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        (None, None),
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: go now
        ("Wed, 21 Oct 2015 07:28:00 -0000", None),  # a date without a zone: unreadable
    ],
)
def test_both_forms_and_what_cannot_be_read(value: str | None, seconds: float | None) -> None:
    assert retry_after(answer(value)) == seconds
