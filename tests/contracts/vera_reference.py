"""The VERA Referentiedata (contracts/vera/Referentiedata.csv) as data, and a checker that
finds every Referentiedata code in a VERA request body by walking the OpenAPI spec.

Importable by any test: ``reference(vera_specs)`` and ``codes_in_body(...)``.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Code:
    soort: str
    code: str
    naam: str
    begins: date | None
    ends: date | None

    def current(self, on: date) -> bool:
        return (self.begins is None or self.begins <= on) and (self.ends is None or on < self.ends)


def _date(text: str) -> date | None:
    """VERA writes ``7-6-2024``, ``03-01-2025``, ``24-01-25`` and once ``31-01-2025.``."""
    if not text.strip(" ."):
        return None
    day, month, year = (int(part) for part in text.strip(" .").split("-"))
    return date(year + 2000 if year < 100 else year, month, day)


@functools.cache
def reference(vera_specs: Path) -> dict[str, list[Code]]:
    """Every row of Referentiedata.csv, by Soort."""
    by_soort: dict[str, list[Code]] = {}
    with (vera_specs / "Referentiedata.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file, delimiter=";"):
            code = Code(
                soort=row["Soort"],
                code=row["Code"],
                naam=row["Naam"],
                begins=_date(row["Begindatum"]),
                ends=_date(row["Einddatum"]),
            )
            by_soort.setdefault(code.soort, []).append(code)
    return by_soort


def current_codes(vera_specs: Path, soort: str, on: date) -> set[str]:
    """The codes of a Soort that are in force on a day (ended ones are not)."""
    return {code.code for code in reference(vera_specs).get(soort, []) if code.current(on)}


@functools.cache
def _spec(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


_LIST = re.compile(r"Referentiedata:\s*([A-Z]+)")


def codes_in_body(spec_path: Path, schema_name: str, body: Any) -> Iterator[tuple[str, str, str]]:
    """``(json path, VERA Soort, code)`` for every Referentiedata value in a body.

    The Soort comes from the spec's own description of the property
    (``... Referentiedata: ONDERHOUDSTAAKSTATUS.``), so the check needs no list of ours.
    """
    schemas = _spec(spec_path)["components"]["schemas"]
    yield from _walk(schemas, {"$ref": f"#/components/schemas/{schema_name}"}, body, "$")


def _properties(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _properties(schemas, schemas[schema["$ref"].rsplit("/", 1)[-1]])
    found: dict[str, Any] = {}
    for part in (*schema.get("allOf", ()), *schema.get("oneOf", ()), *schema.get("anyOf", ())):
        found.update(_properties(schemas, part))
    found.update(schema.get("properties", {}))
    return found


def _is_reference_data(schema: dict[str, Any]) -> bool:
    refs = [part.get("$ref", "") for part in schema.get("allOf", ())] + [schema.get("$ref", "")]
    return any(ref.endswith("/Referentiedata") for ref in refs)


def _walk(
    schemas: dict[str, Any], schema: dict[str, Any], value: Any, path: str
) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, list):
        items = schema.get("items", {})
        for index, item in enumerate(value):
            yield from _walk(schemas, items, item, f"{path}[{index}]")
        return
    if not isinstance(value, dict):
        return
    properties = _properties(schemas, schema)
    for name, item in value.items():
        declared = properties.get(name)
        if declared is None:
            continue
        if _is_reference_data(declared):
            found = _LIST.search(declared.get("description", ""))
            assert found, f"{path}.{name}: the spec names no Referentiedata list"
            yield f"{path}.{name}", found.group(1), item.get("code", "")
        else:
            yield from _walk(schemas, declared, item, f"{path}.{name}")
