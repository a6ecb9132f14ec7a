"""Whatever bytes arrive, the Gulpdal adapter returns events and typed failures or raises a
typed error: it never crashes."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.adapter import Translation
from connectors.errors import TranslationError
from connectors.gulpdal import check, translate
from contracts import CanonicalEvent, RawMessage
from tests.samples import partner_sample

NAME = "gulpdal_werkbonnen_20261126.csv"
SAMPLE = partner_sample("gulpdal", NAME)
HEADER = SAMPLE.split(b"\r\n", 1)[0]
# A quick run in the suite; KETENBUS_HYPOTHESIS_EXAMPLES=5000 for a thorough one.
FAST = settings(
    max_examples=int(os.environ.get("KETENBUS_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def outcome(body: bytes) -> None:
    """Translate; fail the test on anything but events, typed failures or a typed error."""
    raw = RawMessage(
        partner="gulpdal",
        channel="file",
        body=body,
        received_at=datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
        origin=NAME,
    )
    try:
        result: Translation | TranslationError = translate(raw)
    except TranslationError as exc:
        result = exc
    if isinstance(result, TranslationError):
        assert result.reason
        return
    assert all(isinstance(event, CanonicalEvent) for event in result.events)
    assert all(isinstance(failure, TranslationError) for failure in result.failures)
    assert all(failure.message_id.startswith(f"{NAME}:") for failure in result.failures)
    check(NAME, body)  # never raises either


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(body: bytes) -> None:
    outcome(body)


@FAST
@given(st.binary(max_size=600))
def test_arbitrary_bytes_after_a_valid_header(body: bytes) -> None:
    outcome(HEADER + b"\r\n" + body)


@FAST
@given(
    st.integers(min_value=0, max_value=len(SAMPLE)),
    st.integers(min_value=0, max_value=30),
    st.binary(max_size=12),
)
def test_the_sample_with_bytes_cut_out_or_put_in(at: int, cut: int, inserted: bytes) -> None:
    outcome(SAMPLE[:at] + inserted + SAMPLE[at + cut :])


FIELD = st.one_of(
    st.text(alphabet=st.characters(codec="cp1252"), max_size=12),
    st.sampled_from(
        ["WL-2026-004714", "G-1", "STATUS", "UREN", "MATERIAAL", "ACC", "OND", "TGE", "VER",
         "BNT", "26-11-2026", "31-02-2026", "29-03-2026", "02:30", "7:55", "1,5", "1,2,3",
         "999999999,999999", "-1", "UUR", "ST", "DOOS", "", '"', ";", "\r\n"]
    ),
)  # fmt: skip


@FAST
@given(st.lists(st.lists(FIELD, min_size=12, max_size=12), max_size=6), st.booleans())
def test_near_valid_rows(table: list[list[str]], as_utf8: bool) -> None:
    def cell(value: str) -> str:
        if any(c in value for c in ';"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "\r\n".join([HEADER.decode(), *(";".join(cell(v) for v in row) for row in table)])
    body = b"\xef\xbb\xbf" + text.encode("utf-8") if as_utf8 else text.encode("cp1252")
    outcome(body)
