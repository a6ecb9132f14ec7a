"""docs/asyncapi.yaml: up to date, complete, and internally consistent."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
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
from contracts.examples import EXAMPLE_EVENTS
from contracts.schema import REGENERATE, committed_schema


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
