"""docs/asyncapi.yaml: up to date, complete, and internally consistent."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml

from connectors.registry import partners
from contracts import FACT_TYPES, Topics
from contracts.asyncapi import (
    ASYNCAPI_FILE,
    DESTINATIONS,
    OUTBOUND_PARTNERS,
    PARTNERS,
    POLLED_PARTNERS,
    build,
)
from contracts.dwh import ORDER_FACT, SIGNAL_COUNT
from contracts.examples import EXAMPLE_EVENTS
from contracts.schema import RECORDS, REGENERATE, committed_schema

ASYNCAPI_SCHEMA = Path(__file__).parent / "asyncapi-3.0.0" / "3.0.0-without-id.json"
"""The official AsyncAPI 3.0.0 JSON Schema (draft-07, bundled: every $ref is inside it)."""


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    committed: dict[str, Any] = yaml.safe_load(ASYNCAPI_FILE.read_text("utf-8"))
    return committed


def test_the_committed_document_is_up_to_date(document: dict[str, Any]) -> None:
    assert document == build(), (
        f"docs/asyncapi.yaml is out of date: run `{REGENERATE}` (or `make contracts`)"
    )


def test_it_is_asyncapi_3(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["servers"]["development"]["protocol"] == "kafka"


@pytest.fixture(scope="module")
def asyncapi_schema() -> jsonschema.Draft7Validator:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    # Every $ref of the bundle is inside it ("#/definitions/..."): an empty registry
    # makes sure nothing is ever looked up elsewhere (a $ref out of it would fail).
    return jsonschema.Draft7Validator(schema, registry=referencing.Registry())


def _problems(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
        for error in validator.iter_errors(document)
    ]


def test_the_document_is_valid_against_the_official_asyncapi_3_schema(
    document: dict[str, Any], asyncapi_schema: jsonschema.Draft7Validator
) -> None:
    assert _problems(asyncapi_schema, document) == []


def _first_operation(document: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = document["operations"]["orders-send"]
    return operation


BREAKAGES: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    # AsyncAPI 2 wording, which 3.0 replaced with send/receive.
    "publish as an action": (lambda d: _first_operation(d).update(action="publish"),
                             "operations/orders-send"),
    "a channel with 2.x operations": (lambda d: d["channels"]["orders"].update(publish={}),
                                      "channels/orders"),
    "no info": (lambda d: d.pop("info"), ""),
    "a server without protocol": (lambda d: d["servers"]["development"].pop("protocol"),
                                  "servers/development"),
    "headers that are no schema": (
        lambda d: d["components"]["messages"][ORDER_FACT].update(headers={"type": "text"}),
        f"components/messages/{ORDER_FACT}"),
    "a Kafka key that is no schema": (
        lambda d: d["components"]["messages"]["order.accepted"]["bindings"]["kafka"].update(
            key="WL-2026-000001"),
        "components/messages/order.accepted"),
}  # fmt: skip


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_document_is_rejected_where_it_is_broken(
    document: dict[str, Any], asyncapi_schema: jsonschema.Draft7Validator, breakage: str
) -> None:
    broken = copy.deepcopy(document)
    change, where = BREAKAGES[breakage]
    change(broken)
    problems = _problems(asyncapi_schema, broken)
    assert [problem.split(": ", 1)[0] for problem in problems] == [where], problems


def test_every_topic_ketenbus_reads_and_writes_is_a_channel(document: dict[str, Any]) -> None:
    topics = Topics()
    expected = {
        topics.orders,
        topics.signals,
        topics.workorders,
        topics.dwh,
        topics.dwh_signal_counts,
        topics.deadletter("translate"),
        topics.deadletter("workorders"),
        *(topics.deadletter(destination) for destination in DESTINATIONS),
        *(topics.deadletter(f"outbound-{partner}") for partner in OUTBOUND_PARTNERS),
        *(topics.replay(destination) for destination in DESTINATIONS),
        *(topics.replay(f"outbound-{partner}") for partner in OUTBOUND_PARTNERS),
        topics.deadletter_decisions,
        *(topics.raw(partner) for partner in PARTNERS),
        *(topics.poller_cursor(partner) for partner in POLLED_PARTNERS),
        topics.onderhoud_last_status,
        topics.dwh_written,
        *(topics.translate_seen(partner) for partner in PARTNERS),
    }
    assert {channel["address"] for channel in document["channels"].values()} == expected
    assert set(partners()) <= set(PARTNERS), "a registered partner is missing from the document"
    with_outbound = {pid for pid, plugin in partners().items() if plugin.outbound is not None}
    assert with_outbound == set(OUTBOUND_PARTNERS), "an outbound partner is missing"


def test_every_fact_type_is_a_message_on_its_topic(document: dict[str, Any]) -> None:
    on = {
        name: channel["address"]
        for channel in document["channels"].values()
        for name in channel["messages"]
    }
    for fact_type, model in FACT_TYPES.items():
        assert on[fact_type] == Topics().for_fact(model.restricted)


def _resolve(document: dict[str, Any], reference: str) -> Any:
    target: Any = document
    for part in reference.removeprefix("#/").split("/"):
        target = target[part]
    return target


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        if "schemaFormat" in node:  # a JSON Schema document of its own: its $refs are its own
            return []
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _references(item)]
    return []


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    references = _references(document)
    assert len(references) > 100
    for reference in references:
        _resolve(document, reference)


def test_operations_send_and_receive_the_messages_of_their_channel(
    document: dict[str, Any],
) -> None:
    for name, operation in document["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        assert operation["action"] in {"send", "receive"}, name
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), name
    actions = {
        (operation["channel"]["$ref"].rsplit("/", 1)[-1], operation["action"])
        for operation in document["operations"].values()
    }
    assert ("orders", "send") in actions
    assert ("orders", "receive") in actions
    assert ("workorders", "receive") in actions
    assert ("workorders", "send") not in actions  # the maintenance system writes it


@pytest.mark.parametrize("fact_type", sorted(FACT_TYPES))
def test_message_payloads_headers_and_examples(document: dict[str, Any], fact_type: str) -> None:
    message = document["components"]["messages"][fact_type]
    payload = _resolve(document, message["payload"]["$ref"])
    assert payload["schemaFormat"] == "application/schema+json;version=draft-2020-12"
    assert payload["schema"] == committed_schema(fact_type)
    (example,) = message["examples"]
    record = EXAMPLE_EVENTS[fact_type].to_kafka()
    assert example["headers"] == {name: value.decode() for name, value in record.headers}
    validator = jsonschema.Draft202012Validator
    validator(payload["schema"], format_checker=validator.FORMAT_CHECKER).validate(
        example["payload"]
    )
    validator(message["headers"], format_checker=validator.FORMAT_CHECKER).validate(
        example["headers"]
    )


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_records_have_their_committed_schema_and_a_valid_example(
    document: dict[str, Any], name: str
) -> None:
    """The warehouse's records and the work orders point at their own schemas, not at
    ``{"type": "object"}``."""
    message_id = "vera-onderhoudsorder" if name == "workorder" else name
    message = document["components"]["messages"][message_id]
    channel = next(c for c in document["channels"].values() if message_id in c["messages"])
    assert channel["address"] == RECORDS[name].topic
    assert message["payload"] == {"$ref": f"#/components/schemas/{name}.v1"}
    payload = _resolve(document, message["payload"]["$ref"])
    assert payload["schema"] == committed_schema(name)
    (example,) = message["examples"]
    validator = jsonschema.Draft202012Validator
    validator(payload["schema"], format_checker=validator.FORMAT_CHECKER).validate(
        example["payload"]
    )
    if name in (ORDER_FACT, SIGNAL_COUNT):
        validator(message["headers"], format_checker=validator.FORMAT_CHECKER).validate(
            example["headers"]
        )
        assert example["headers"]["ce_dataschema"] == committed_schema(name)["$id"]


def test_no_message_is_just_an_object(document: dict[str, Any]) -> None:
    bare = [
        name
        for name, message in document["components"]["messages"].items()
        if set(message["payload"]) <= {"type", "description"}
        and message["payload"].get("type") == "object"
    ]
    # Replays carry a canonical event of any type; the decisions are ops' own records.
    assert all(name.startswith("replay-") or name == "deadletter-decision" for name in bare), bare
