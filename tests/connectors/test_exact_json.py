"""connectors.exact_json.loads is json.loads(parse_float=Decimal): same value, same error.

Its fast path (a body starting with ``{``) skips the encoding detection and calls the
scanner itself; whatever the bytes, it must answer as json.loads does.
"""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors import exact_json

_JSON_TEXT = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.decimals(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
).map(lambda value: json.dumps(value, default=str))


def _outcome(read: Any, body: bytes) -> tuple[str, Any]:
    try:
        return ("value", read(body))
    except Exception as exc:  # the comparison is of whatever either raises
        return (type(exc).__name__, str(exc))


def _same(body: bytes) -> None:
    expected = _outcome(lambda b: json.loads(b, parse_float=Decimal), body)
    assert _outcome(exact_json.loads, body) == expected


@given(_JSON_TEXT, st.sampled_from(["", " ", "\n", " \r\n\t", "x", " {}", "]", "\x00"]))
def test_a_document_with_anything_after_it(text: str, tail: str) -> None:
    _same(("{" + f'"k": {text}' + "}" + tail).encode())


@given(st.binary(max_size=40))
def test_any_bytes_after_a_brace(rest: bytes) -> None:
    _same(b"{" + rest)


@pytest.mark.parametrize(
    "body",
    [
        b'{"amount": 64.90, "big": 1E+400, "n": 1}',
        b'{"a": 1}{"b": 2}',
        b'{"a": "\\ud800"}',
        b'{"a": NaN, "b": -Infinity}',
        b"{",
        b"{}",
        b"",
        b" {}",
        b"[1, 2.50]",
        codecs.BOM_UTF8 + b'{"a": 1.10}',
        '{"a": 1.10}'.encode("utf-16"),
        '{"a": 1.10}'.encode("utf-16-le"),
        '{"a": 1.10}'.encode("utf-32"),
        b'{"a": "\xff"}',
        b'{"a": 1, "a": 2}',
        b"{" * 100_000,
    ],
)
def test_the_edges(body: bytes) -> None:
    _same(body)


def test_numbers_keep_every_digit() -> None:
    assert exact_json.loads(b'{"price": 64.90}') == {"price": Decimal("64.90")}
