"""JSON in and out with exact decimal numbers.

VERA amounts (``bedrag``, ``aantal``) are money and hours: reading them as binary
floats would make ``7.80`` arrive as ``7.7999999...``. The back office therefore
reads every JSON number with a fraction as :class:`decimal.Decimal` and writes
Decimals back as plain JSON numbers, digit for digit.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import simplejson


class JSONBodyError(ValueError):
    """The bytes are not one strict JSON document (syntax, NaN, duplicate keys)."""


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise JSONBodyError(f"{name} is not a JSON number")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A duplicate key silently keeps the last value in most parsers: a sender bug
    # that a back office used for testing should show, not hide.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONBodyError(f"duplicate key {key!r} in a JSON object")
        result[key] = value
    return result


def loads(raw: bytes | str) -> Any:
    """Parse one JSON document; numbers with a fraction become ``Decimal``.

    Raises :class:`JSONBodyError` for anything that is not strict JSON.
    """
    try:
        return json.loads(
            raw,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_refuse_duplicate_keys,
        )
    except JSONBodyError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise JSONBodyError(f"not JSON: {exc}") from None


def dumps(value: Any) -> bytes:
    """Serialise to UTF-8 JSON, writing ``Decimal`` values as exact numbers."""
    text: str = simplejson.dumps(value, use_decimal=True, ensure_ascii=False)
    return text.encode("utf-8")
