"""The published JSON Schema of every fact type and record, generated from the models.

One file per fact type under ``contracts/schemas/`` (``order.accepted.v1.json``), with
``$id`` = the event's ``ce_dataschema``; one per record of another kind on a topic
(``RECORDS``: the data warehouse's records, the maintenance system's work orders).
The schema describes the record value as ketenbus writes it (pydantic's
*serialization* mode: decimals are strings with a pattern, times RFC 3339 in UTC; a
record ketenbus only reads, the work order, in *validation* mode: what it accepts),
in JSON Schema 2020-12. Objects are open (no
``additionalProperties: false``): a later minor release of v1 may add optional
fields, and a reader must ignore the ones it does not know.

``ketenbus contracts generate`` writes the files; a test fails when they and the
models differ, and ``contracts.compat`` refuses a change that would break a v1
consumer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from contracts._envelope import CONTRACT_VERSION, cloudevents_type, dataschema
from contracts._facts import FACT_TYPES
from contracts.dwh import EXAMPLE_RECORDS, ORDER_FACT, SIGNAL_COUNT, DwhOrderFact, DwhSignalCount
from contracts.examples import EXAMPLE_FACTS
from contracts.topics import Topics
from contracts.workorder import EXAMPLE_WORKORDER, Onderhoudsorder

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "ketenbus contracts generate"
"""The command that rebuilds every generated contract file (``make contracts``)."""


class _Generator(GenerateJsonSchema):
    """pydantic's generator, with the exact pattern of the decimal strings it writes."""

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:
        return self.build_decimal_pattern(schema)

    def field_title_should_be_set(self, schema: Any) -> bool:
        # A code list's error is a custom-error schema around its enum (contracts._codes):
        # as transparent for a field's title as the validator function it replaced.
        if schema.get("type") == "custom-error":
            return self.field_title_should_be_set(schema["schema"])
        return super().field_title_should_be_set(schema)


@dataclass(frozen=True)
class Record:
    """A record on a topic that is not a canonical fact, with a published schema."""

    model: type[BaseModel]
    topic: str
    example: dict[str, Any]
    description: str
    cloudevents: bool = True
    """Written with CloudEvents headers (``ce_type`` and ``ce_dataschema`` from its name)."""
    mode: Literal["validation", "serialization"] = "serialization"
    """``serialization`` for what ketenbus writes; ``validation`` for what it reads."""


RECORDS: dict[str, Record] = {
    ORDER_FACT: Record(
        DwhOrderFact,
        Topics().dwh,
        EXAMPLE_RECORDS[ORDER_FACT].to_json(),
        "The data warehouse's record of one order fact (router/destinations/dwh).",
    ),
    SIGNAL_COUNT: Record(
        DwhSignalCount,
        Topics().dwh_signal_counts,
        EXAMPLE_RECORDS[SIGNAL_COUNT].to_json(),
        "The data warehouse's running count of social signals (compacted topic).",
    ),
    "workorder": Record(
        Onderhoudsorder,
        Topics().workorders,
        EXAMPLE_WORKORDER,
        "What ketenbus reads of the maintenance system's VERA Onderhoudsorder "
        "(the full schema is VERA OHD.yaml, owned by the maintenance system).",
        cloudevents=False,
        mode="validation",
    ),
}
"""Every published schema that is not a fact type's, by name (its file's name)."""


def schema_names() -> list[str]:
    """The name of every published schema: the fact types, then the records."""
    return [*FACT_TYPES, *RECORDS]


def schema_of(name: str) -> dict[str, Any]:
    """The JSON Schema of a fact type's data or of a record, as it is published."""
    if name in RECORDS:
        return _record_schema(name, RECORDS[name])
    fact_type = name
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


def _record_schema(name: str, record: Record) -> dict[str, Any]:
    annotations: dict[str, Any] = {"topic": record.topic, "description": record.description}
    if record.cloudevents:
        annotations["type"] = cloudevents_type(name)
    return {
        "$schema": DIALECT,
        "$id": dataschema(name),
        **model_schema(record.model, record.mode),
        "examples": [record.example],
        "x-ketenbus": annotations,
    }


def model_schema(
    model: type[BaseModel], mode: Literal["validation", "serialization"] = "serialization"
) -> dict[str, Any]:
    """The schema of any model as the contract publishes it (open, exact decimals)."""
    generated = model.model_json_schema(mode=mode, schema_generator=_Generator)
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
    """The files that differ from the models: changed, missing, or of no schema."""
    problems = []
    for name in schema_names():
        path = schema_file(name, directory)
        if not path.exists():
            problems.append(f"{path.name}: missing")
        elif path.read_text("utf-8") != render(schema_of(name)):
            problems.append(f"{path.name}: differs from the model")
    expected = {schema_file(name, directory).name for name in schema_names()}
    problems += [
        f"{path.name}: no such fact type or record"
        for path in sorted(directory.glob("*.json"))
        if path.name not in expected
    ]
    return problems


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema; returns the files that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in schema_names():
        path = schema_file(name, directory)
        text = render(schema_of(name))
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
