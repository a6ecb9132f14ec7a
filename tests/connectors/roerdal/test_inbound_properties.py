"""Property tests: whatever Roerdal's feed holds, the adapter returns events or a typed error.

Arbitrary bytes, arbitrary JSON, and near-valid mutaties (a shared one with a field
replaced, removed or added) are thrown at it; it must never crash with anything else.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.errors import TranslationError
from connectors.roerdal.inbound import translate
from contracts import CanonicalEvent
from tests.samples import partner_sample, raw

SAMPLES = [
    mutatie
    for page in ("page-1.json", "page-2.json")
    for mutatie in json.loads(partner_sample("roerdal", page))["mutaties"]
]
FIELDS = sorted({name for mutatie in SAMPLES for name in mutatie} | {"reden", "nieuw"})

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
near_strings = st.sampled_from(
    [
        "1,75", "212,40", "1,2,3", ",5", "5,", "1.75", "0", "99999999999999999999,9",
        "2026-12-01 11:41:19", "2026-12-01 11:41", "0001-01-01 00:00:00",
        "9999-12-31 23:59:59", "2026-03-29 02:30:00", "2026-10-25 02:30:00",
        "2026-13-01 00:00:00", "ja", "nee", "JA", "TGE", "OND", "VER", "MIB", "ST",
        "WL-2026-004713", "", "\x00",
    ]
)  # fmt: skip


def outcome(body: bytes) -> list[CanonicalEvent] | TranslationError:
    try:
        events = translate(raw("roerdal", body, channel="poll"))
    except TranslationError as exc:
        error = exc
    else:
        assert len(events) == 1
        assert isinstance(events[0], CanonicalEvent)
        return events
    assert error.reason  # a typed error always says what is wrong
    return error


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_arbitrary_bytes_give_events_or_a_typed_error(body: bytes) -> None:
    outcome(body)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_gives_events_or_a_typed_error(document) -> None:
    outcome(json.dumps(document).encode())


@given(
    st.sampled_from(SAMPLES),
    st.lists(
        st.tuples(st.sampled_from(FIELDS), st.one_of(json_values, near_strings) | st.just(...)),
        min_size=1,
        max_size=4,
    ),
)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_near_valid_mutaties_give_events_or_a_typed_error(sample, changes) -> None:
    mutatie = dict(sample)
    for name, value in changes:
        if value is ...:
            mutatie.pop(name, None)
        else:
            mutatie[name] = value
    outcome(json.dumps(mutatie).encode())


@given(
    st.sampled_from(SAMPLES),
    st.sampled_from(["aantal", "prijs", "eenheid", "omschrijving"]),
    st.one_of(json_values, near_strings),
)
@settings(max_examples=200, deadline=None)
def test_near_valid_material_lines_give_events_or_a_typed_error(sample, field, value) -> None:
    line = {"omschrijving": "Kit", "aantal": "1", "eenheid": "ST", "prijs": "4,50", field: value}
    outcome(json.dumps({**sample, "soort": "gereed", "materiaal": [line]}).encode())
