"""Checking a request body against one VERA requestBody schema.

Three layers, because the VERA schemas alone let too much through:

1. **OpenAPI 3.0 schema semantics** (``nullable``, ``format``, draft-4 style
   keywords) with :class:`openapi_schema_validator.OAS30Validator`, extended so
   that ``Decimal`` numbers (how the back office reads JSON numbers) count as
   numbers and as ``format: float``.
2. **Dates-times**: ``format: date-time`` must be RFC 3339 *in UTC with ``Z``*,
   the corporation's rule; ``format: date`` must be a full date (``2026-11-28``).
3. **Unknown and deprecated properties**: VERA never sets
   ``additionalProperties: false``, so a misspelled field would pass silently. The
   walker below refuses every property that no applicable schema declares, where
   "applicable" follows ``$ref``, every member of ``allOf``, and the members of
   ``anyOf``/``oneOf`` that the value matches. Properties marked
   ``deprecated: true`` (such as ``factuurregels``, replaced by ``regels``) are
   refused too: the corporation calls them obsolete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Number
from typing import Any

from jsonschema import FormatChecker, validators
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker

__all__ = ["BodyValidator", "Problem", "check_utc_timestamp", "format_path"]

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})$"
)
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: where (JSON path or header) and what."""

    path: str
    message: str
    kind: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "kind": self.kind}


def format_path(parts: Iterable[str | int]) -> str:
    """``["onderhoudstaken", 0, "status"]`` -> ``onderhoudstaken[0].status``; root is ``$``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "$"


def check_utc_timestamp(value: str) -> str | None:
    """Why ``value`` is not an RFC 3339 date-time in UTC with ``Z``, or None if it is."""
    match = _RFC3339.match(value)
    if match is None:
        return "is not an RFC 3339 date-time (e.g. 2026-11-28T08:40:00Z)"
    try:
        datetime.fromisoformat(value[: match.start("offset")])
    except ValueError:
        return "is not a valid calendar date and time"
    if match.group("offset") not in ("Z", "z"):
        return "has an offset; the corporation wants UTC with 'Z' (e.g. 2026-11-28T08:40:00Z)"
    return None


def _is_utc_date_time(instance: object) -> bool:
    return not isinstance(instance, str) or check_utc_timestamp(instance) is None


def _is_full_date(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if _FULL_DATE.match(instance) is None:
        return False
    try:
        date.fromisoformat(instance)
    except ValueError:
        return False
    return True


def _is_any_number(instance: object) -> bool:
    # ``format: float``/``double`` only say how wide the number is; the library's own
    # check insists on a Python float and would refuse our exact Decimals.
    return True


def _is_number(checker: object, instance: object) -> bool:
    return isinstance(instance, Number) and not isinstance(instance, bool)


def _build_format_checker() -> FormatChecker:
    checker = FormatChecker(())
    checker.checkers.update(oas30_format_checker.checkers)
    checker.checks("float")(_is_any_number)
    checker.checks("double")(_is_any_number)
    checker.checks("date-time")(_is_utc_date_time)
    checker.checks("date")(_is_full_date)
    return checker


_FORMAT_CHECKER = _build_format_checker()
_VeraValidator = validators.extend(  # type: ignore[no-untyped-call]
    OAS30Validator,
    type_checker=OAS30Validator.TYPE_CHECKER.redefine("number", _is_number),
    format_checker=_FORMAT_CHECKER,
)


class BodyValidator:
    """Validates bodies against one schema that lives inside an OpenAPI document.

    ``components`` is the document's ``components`` section: ``$ref`` values such
    as ``#/components/schemas/X`` resolve against it.
    """

    def __init__(self, schema: Mapping[str, Any], components: Mapping[str, Any]) -> None:
        self._components = components
        self._schema = schema
        # Wrapping the schema with the components makes local ``#/components/...``
        # references resolve from the root, for the library and for the walker alike.
        root = {**schema, "components": components}
        self._validator = _VeraValidator(root, format_checker=_FORMAT_CHECKER)

    def validate(self, instance: Any) -> list[Problem]:
        """Every problem with ``instance``, sorted by path; empty when it is valid."""
        problems = [self._problem(error) for error in self._validator.iter_errors(instance)]
        self._walk(self._schema, instance, (), problems)
        unique = {(p.path, p.message): p for p in problems}
        return sorted(unique.values(), key=lambda p: (p.path, p.message))

    # -- library errors ---------------------------------------------------------

    def _problem(self, error: ValidationError) -> Problem:
        if error.context:
            # anyOf/oneOf: the member that came closest says more than "not valid under any".
            error = best_match(error.context)
        path = format_path(error.absolute_path)
        if error.validator == "format" and error.validator_value == "date-time":
            reason = (
                check_utc_timestamp(error.instance) if isinstance(error.instance, str) else None
            )
            message = f"{error.instance!r} {reason or 'is not a date-time'}"
        else:
            message = error.message
        return Problem(path=path, message=message, kind=str(error.validator))

    # -- unknown properties -------------------------------------------------------

    def _resolve(self, schema: Any) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/components/"):
                raise ValueError(f"only local #/components references are supported: {ref!r}")
            node: Any = self._components
            for token in ref.removeprefix("#/components/").split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
            schema = node
            seen += 1
            if seen > 64:
                raise ValueError(f"reference loop at {ref!r}")
        return schema if isinstance(schema, Mapping) else {}

    def _parts(self, schema: Any, instance: Any) -> Iterator[Mapping[str, Any]]:
        """The schemas that together describe ``instance`` at one location."""
        resolved = self._resolve(schema)
        yield resolved
        for member in resolved.get("allOf", ()):
            yield from self._parts(member, instance)
        for keyword in ("anyOf", "oneOf"):
            members: Sequence[Any] = resolved.get(keyword, ())
            if not members:
                continue
            matching = [m for m in members if self._validator.evolve(schema=m).is_valid(instance)]
            for member in matching or members:
                yield from self._parts(member, instance)

    def _walk(
        self, schema: Any, instance: Any, path: tuple[str | int, ...], problems: list[Problem]
    ) -> None:
        if isinstance(instance, dict):
            self._walk_object(schema, instance, path, problems)
        elif isinstance(instance, list):
            items = [p["items"] for p in self._parts(schema, instance) if "items" in p]
            for index, element in enumerate(instance):
                for item_schema in items:
                    self._walk(item_schema, element, (*path, index), problems)

    def _walk_object(
        self,
        schema: Any,
        instance: dict[str, Any],
        path: tuple[str | int, ...],
        problems: list[Problem],
    ) -> None:
        declared: dict[str, list[Any]] = {}
        additional: list[Any] = []
        has_properties = False
        for part in self._parts(schema, instance):
            properties = part.get("properties")
            if isinstance(properties, Mapping):
                has_properties = True
                for name, property_schema in properties.items():
                    declared.setdefault(name, []).append(property_schema)
            extra = part.get("additionalProperties")
            if extra is True or isinstance(extra, Mapping):
                additional.append(extra if isinstance(extra, Mapping) else {})
        for key, value in instance.items():
            where = (*path, key)
            schemas = declared.get(key)
            if schemas is None:
                if additional:
                    for extra_schema in additional:
                        self._walk(extra_schema, value, where, problems)
                elif has_properties:
                    problems.append(
                        Problem(
                            path=format_path(where),
                            message=f"unknown property {key!r}: no VERA schema here declares it",
                            kind="unknownProperty",
                        )
                    )
                continue
            if all(self._is_deprecated(s) for s in schemas):
                problems.append(
                    Problem(
                        path=format_path(where),
                        message=f"property {key!r} is deprecated in VERA; the corporation "
                        "refuses obsolete fields",
                        kind="deprecated",
                    )
                )
            for property_schema in schemas:
                self._walk(property_schema, value, where, problems)

    def _is_deprecated(self, schema: Any) -> bool:
        return isinstance(schema, Mapping) and (
            schema.get("deprecated") is True or self._resolve(schema).get("deprecated") is True
        )
