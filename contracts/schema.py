"""The published JSON Schema of every fact type, generated from the models.

One file per type under ``contracts/schemas/`` (``order.accepted.v1.json``), with
``$id`` = the event's ``ce_dataschema``. The schema describes the record value as
ketenbus writes it (pydantic's *serialization* mode: decimals are strings with a
pattern, times RFC 3339 in UTC), in JSON Schema 2020-12. Objects are open (no
``additionalProperties: false``): a later minor release of v1 may add optional
fields, and a reader must ignore the ones it does not know.

``ketenbus contracts generate`` writes the files; a test fails when they and the
models differ, and ``contracts.compat`` refuses a change that would break a v1
consumer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from contracts._envelope import CONTRACT_VERSION, cloudevents_type, dataschema
from contracts._facts import FACT_TYPES
from contracts.examples import EXAMPLE_FACTS
from contracts.topics import Topics

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "ketenbus contracts generate"
"""The command that rebuilds every generated contract file (``make contracts``)."""


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with the exact pattern of the decimal strings it writes."""

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        return self.build_decimal_pattern(schema)


def schema_of(fact_type: str) -> dict[str, Any]:
    """The JSON Schema of a fact type's data, as it is published."""
    model = FACT_TYPES[fact_type]
    return {
        "$schema": DIALECT,
        "$id": dataschema(fact_type),
        **model_schema(model),
        "examples": [EXAMPLE_FACTS[fact_type].model_dump(mode="json")],
        "x-ketenbus": {
            "type": cloudevents_type(fact_type),
            "topic": Topics().for_fact(model.restricted),
            "purpose": model.purpose.value,
            "retention": model.retention,
        },
    }


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of any model as the contract publishes it (open, exact decimals)."""
    generated = model.model_json_schema(mode="serialization", schema_generator=_Generator)
    opened: dict[str, Any] = _open(generated)
    return opened


def schema_file(fact_type: str, directory: Path = SCHEMA_DIR) -> Path:
    return directory / f"{fact_type}.{CONTRACT_VERSION}.json"


def render(schema: dict[str, Any]) -> str:
    """The committed text of a schema: stable, so a diff shows only real changes."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def committed_schema(fact_type: str, directory: Path = SCHEMA_DIR) -> dict[str, Any]:
    """The schema as committed (what v1 consumers were promised)."""
    loaded: dict[str, Any] = json.loads(schema_file(fact_type, directory).read_text("utf-8"))
    return loaded


def drifted(directory: Path = SCHEMA_DIR) -> list[str]:
    """The files that differ from the models: changed, missing, or of no fact type."""
    problems = []
    for fact_type in FACT_TYPES:
        path = schema_file(fact_type, directory)
        if not path.exists():
            problems.append(f"{path.name}: missing")
        elif path.read_text("utf-8") != render(schema_of(fact_type)):
            problems.append(f"{path.name}: differs from the model")
    expected = {schema_file(fact_type, directory).name for fact_type in FACT_TYPES}
    problems += [
        f"{path.name}: no such fact type"
        for path in sorted(directory.glob("*.json"))
        if path.name not in expected
    ]
    return problems


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema; returns the files that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for fact_type in FACT_TYPES:
        path = schema_file(fact_type, directory)
        text = render(schema_of(fact_type))
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
            changed.append(path)
    return changed


def _open(schema: Any) -> Any:
    """The schema without ``additionalProperties: false`` (the models are strict for
    writers; readers must tolerate fields added later in v1)."""
    if isinstance(schema, dict):
        return {
            key: _open(value)
            for key, value in schema.items()
            if not (key == "additionalProperties" and value is False)
        }
    if isinstance(schema, list):
        return [_open(item) for item in schema]
    return schema
