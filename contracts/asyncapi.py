"""The AsyncAPI 3 document of every Kafka topic ketenbus reads and writes.

Built in two steps. FastStream generates the document of a ``KafkaBroker`` that has
one publisher per topic ketenbus writes and one subscriber per consumer group that
reads one (servers, channels, operations, Kafka bindings). FastStream gives each
publisher and subscriber a channel of its own and one payload per channel, and knows
nothing of CloudEvents headers, so :func:`build` then merges the channels of one
topic, and puts in the messages: one per fact type with its ``ce_`` headers, its
key, the committed JSON Schema (2020-12) as payload, and the example event.

Committed as ``docs/asyncapi.yaml`` and rebuilt by ``ketenbus contracts generate``;
a test fails when it is out of date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts._envelope import CONTENT_TYPE, cloudevents_type
from contracts._facts import FACT_TYPES
from contracts.asyncapi_messages import (
    binary_message,
    canonical_message,
    dead_letter_message,
    dwh_message,
    opaque_message,
    raw_message,
    workorder_message,
)
from contracts.dwh import ORDER_FACT, SIGNAL_COUNT
from contracts.schema import committed_schema, schema_names
from contracts.topics import Topics

ASYNCAPI_FILE = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.yaml"
SERVER = "127.0.0.1:19092"

PARTNERS = {
    "maasdal": "application/json",
    "heuvelland": "application/xml",
    "roerdal": "application/json",
    "gulpdal": "text/csv",
}
"""Every partner and the content type of its originals on ``keten.raw.<partner>``."""

DESTINATIONS = ("onderhoud", "financien", "relaties", "dwh")
OUTBOUND_PARTNERS = ("maasdal", "heuvelland")
POLLED_PARTNERS = ("roerdal",)


@dataclass(frozen=True)
class Topic:
    """One topic: who in ketenbus writes it, which consumer groups read it, what is on it."""

    id: str
    address: str
    description: str
    messages: dict[str, dict[str, Any]]
    writer: str = ""
    readers: dict[str, str] = field(default_factory=dict)
    """Consumer group -> what it does with the topic."""


def topics() -> list[Topic]:
    """Every topic of ketenbus, in the order the document lists them."""
    names = Topics()
    orders = [name for name, model in FACT_TYPES.items() if not model.restricted]
    signals = [name for name, model in FACT_TYPES.items() if model.restricted]
    found = [
        Topic(
            id=f"raw-{partner}",
            address=names.raw(partner),
            description=f"The originals {partner} sent, byte for byte ({content_type}), "
            "written before the partner hears 'stored'; replayable after a mapping fix.",
            messages={f"raw-{partner}": raw_message(partner, content_type)},
            writer="the ingress channel of the partner",
            readers={"ketenbus-translator": "translates them into canonical facts"},
        )
        for partner, content_type in PARTNERS.items()
    ]
    found += [
        Topic(
            id="orders",
            address=names.orders,
            description="Canonical order facts, CloudEvents 1.0 in the Kafka binary binding; "
            "key = the order number, so the facts of one order are in order. Written in "
            "Kafka transactions: read with isolation.level=read_committed.",
            messages={name: canonical_message(name) for name in orders},
            writer="the translator (and the outbound connector: order.assigned)",
            readers={
                f"ketenbus-router-{destination}": f"delivers to {destination}"
                for destination in ("onderhoud", "financien", "dwh")
            },
        ),
        Topic(
            id="signals",
            address=names.signals,
            description="Social signals: special-category personal data. Only the "
            "relationship system and the data warehouse's counter may read it.",
            messages={name: canonical_message(name) for name in signals},
            writer="the translator",
            readers={
                "ketenbus-router-relaties": "delivers to relaties",
                "ketenbus-router-dwh": "counts per month and category",
            },
        ),
        Topic(
            id="workorders",
            address=names.workorders,
            description="New work orders of the maintenance system (VERA Onderhoudsorder "
            "JSON, owned by the maintenance system); ketenbus hands each to its partner as "
            "order.assigned.",
            messages={"vera-onderhoudsorder": workorder_message()},
            readers={"ketenbus-outbound": "hands each new order to its partner"},
        ),
        Topic(
            id="dwh",
            address=names.dwh,
            description="The data warehouse's order facts: pseudonymised (order and "
            "dwelling as keyed pseudonyms), no names, phone numbers or free text. One record "
            "per ce_id (a re-sent, re-translated or replayed fact is not written again), in "
            "Kafka transactions: read with isolation.level=read_committed.",
            messages={ORDER_FACT: dwh_message(ORDER_FACT)},
            writer="the router's dwh destination",
        ),
        Topic(
            id="dwh-signal-counts",
            address=names.dwh_signal_counts,
            description="Social signals only as counts per Dutch calendar month and "
            "category (compacted).",
            messages={SIGNAL_COUNT: dwh_message(SIGNAL_COUNT)},
            writer="the router's dwh destination",
        ),
    ]
    found += [
        Topic(
            id=f"state-poller-{partner}",
            address=names.poller_cursor(partner),
            description=f"Compacted, one partition: the last cursor of {partner}'s feed "
            "(key = partner id), committed in the same transaction as the page's raw records.",
            messages={
                f"poller-cursor-{partner}": opaque_message(
                    f"poller-cursor-{partner}",
                    "JSON: the partner's opaque cursor, the page's record count, when (UTC).",
                    {
                        "cursor": {"type": "string"},
                        "records": {"type": "integer", "minimum": 0},
                        "committed_at": {"type": "string", "format": "date-time"},
                    },
                )
            },
            writer=f"the poller of {partner} (which reads it back at start)",
        )
        for partner in POLLED_PARTNERS
    ]
    found.append(
        Topic(
            id="state-onderhoud-last-status",
            address=names.onderhoud_last_status,
            description="Compacted: per order (key = order number) the partner time of the "
            "last status applied to the maintenance system, so a late, older fact never "
            "moves an order back, across restarts.",
            messages={
                "onderhoud-last-status": opaque_message(
                    "onderhoud-last-status",
                    "JSON: the partner time of the last status applied (UTC), and its event.",
                    {
                        "status_at": {"type": "string", "format": "date-time"},
                        "event_id": {"type": "string", "format": "uuid"},
                    },
                )
            },
            writer="the router (onderhoud)",
            readers={"ketenbus-router-onderhoud": "reads it back on every assignment"},
        )
    )
    found.append(
        Topic(
            id="state-dwh-written",
            address=names.dwh_written,
            description="Compacted: one key per canonical event id (ce_id) the data "
            "warehouse's destination wrote to keten.dwh.v1, written in the same transaction "
            "as the record, so a fact that comes again is not written twice.",
            messages={
                "dwh-written": opaque_message(
                    "dwh-written",
                    "JSON: when the fact happened (UTC); the key is the event id.",
                    {"occurred_at": {"type": "string", "format": "date-time"}},
                )
            },
            writer="the router (dwh)",
            readers={"ketenbus-router-dwh": "reads it back on every assignment"},
        )
    )
    found += [
        Topic(
            id=f"state-translate-seen-{partner}",
            address=names.translate_seen(partner),
            description=f"The event ids the translator wrote from keten.raw.{partner}, in "
            "the same transactions: partition p holds raw partition p's, so a message the "
            "partner re-sends is translated once. compact,delete, kept for [translate] "
            "remember_days.",
            messages={
                f"translate-seen-{partner}": binary_message(
                    f"translate-seen-{partner}",
                    "The latest receipt time of the transaction's raw records (8 bytes, "
                    "big-endian milliseconds), then its event ids (16 bytes each); the key "
                    "is the first id.",
                )
            },
            writer="the translator",
            readers={"ketenbus-translator": "reads a raw partition's back when it takes it"},
        )
        for partner in PARTNERS
    ]
    stages = (
        "translate",
        "workorders",
        *DESTINATIONS,
        *(f"outbound-{p}" for p in OUTBOUND_PARTNERS),
    )
    found += [
        Topic(
            id=f"deadletter-{stage}",
            address=names.deadletter(stage),
            description=_deadletter_description(stage)
            + ": the original key, value and headers, with the context to fix and replay.",
            messages={f"deadletter-{stage}": dead_letter_message(stage)},
            writer=_deadletter_writer(stage),
        )
        for stage in stages
    ]
    found += [
        Topic(
            id=f"replay-{stage}",
            address=names.replay(stage),
            description=f"Dead letters of {stage} sent back by ops (`ketenbus deadletters "
            "replay`): the parked record (or, for one parked without bytes, its original) "
            "with its key and CloudEvents headers and the same event id, read only by that "
            "stage's worker next to its sources. Same readers' restrictions as its dead letters.",
            messages={
                f"replay-{stage}": opaque_message(
                    f"replay-{stage}", f"A canonical event, as keten.deadletter.{stage} held it."
                )
            },
            writer="ops (ketenbus deadletters replay)",
            readers={_replay_reader(stage): f"delivers it again, to {_replay_target(stage)} only"},
        )
        for stage in stages
        if stage not in ("translate", "workorders")
    ]
    found.append(
        Topic(
            id="deadletter-decisions",
            address=names.deadletter_decisions,
            description="Compacted: ops' latest decision per dead letter (key = "
            "`<stage>|<message id or original topic:partition:offset>`): replayed or "
            "discarded, by whom, when (UTC), why, and which dead-letter records it covers.",
            messages={
                "deadletter-decision": opaque_message(
                    "deadletter-decision",
                    "JSON: stage, key, action (replayed | discarded), by, at, reason, "
                    "letters (partition:offset), replayed_to (topic:partition:offset).",
                )
            },
            writer="ops (ketenbus deadletters replay | discard)",
        )
    )
    return found


def _replay_reader(stage: str) -> str:
    if stage.startswith("outbound-"):
        return f"ketenbus-outbound-{stage.removeprefix('outbound-')}"
    return f"ketenbus-router-{stage}"


def _replay_target(stage: str) -> str:
    return stage.removeprefix("outbound-")


def _deadletter_description(stage: str) -> str:
    if stage == "translate":
        return "What could not be translated"
    if stage == "workorders":
        return "Work orders of the maintenance system that could not be assigned"
    if stage.startswith("outbound-"):
        return f"Orders that could not be handed to {stage.removeprefix('outbound-')}"
    return f"What could not be delivered to {stage}"


def _deadletter_writer(stage: str) -> str:
    if stage == "translate":
        return "the translator"
    if stage == "workorders":
        return "the outbound assigner"
    if stage.startswith("outbound-"):
        return f"the outbound worker of {stage.removeprefix('outbound-')}"
    return f"the router ({stage})"


def build() -> dict[str, Any]:
    """The AsyncAPI 3 document, as data."""
    from faststream.kafka import KafkaBroker
    from faststream.specification import AsyncAPI

    broker = KafkaBroker(SERVER, description=_SERVER_TEXT, protocol_version="3.x or 4.x")
    for topic in topics():
        if topic.writer:
            broker.publisher(
                topic.address, title=f"{topic.id}:send", description=f"Written by {topic.writer}."
            )
        for group, what in topic.readers.items():
            subscriber = broker.subscriber(
                topic.address, title=f"{topic.id}:{group}", group_id=group, description=what
            )
            subscriber(_handler())
    generated = AsyncAPI(
        broker,
        title="ketenbus",
        version="1.0.0",
        description=_DESCRIPTION,
        schema_version="3.0.0",
    ).to_specification()
    return _enrich(generated.to_jsonable())


class _Dumper(yaml.SafeDumper):
    """YAML for people: no anchors, multi-line text as a block."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _text)


def render(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write(path: Path = ASYNCAPI_FILE) -> bool:
    """Write the document; True when it changed."""
    text = render(build())
    if path.exists() and path.read_text("utf-8") == text:
        return False
    path.write_text(text, "utf-8")
    return True


def drifted(path: Path = ASYNCAPI_FILE) -> bool:
    return not path.exists() or path.read_text("utf-8") != render(build())


def _handler() -> Callable[[bytes], Any]:
    async def handle(body: bytes) -> None:
        """Never called: the broker is built only for its AsyncAPI document."""

    return handle


def _enrich(generated: dict[str, Any]) -> dict[str, Any]:
    """One channel per topic with its messages, operations pointing at it, our schemas."""
    by_id = {topic.id: topic for topic in topics()}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for key, operation in generated["operations"].items():
        channel_id, _, group = key.partition(":")
        topic = by_id[channel_id]
        original = generated["channels"][operation["channel"]["$ref"].rsplit("/", 1)[-1]]
        channel = channels.setdefault(
            channel_id,
            {
                "address": topic.address,
                "description": topic.description,
                "servers": original["servers"],
                "messages": {name: _ref("components", "messages", name) for name in topic.messages},
                "bindings": original["bindings"],
            },
        )
        operation_id = f"{channel_id}-{'send' if group == 'send' else 'receive-' + group}"
        operations[operation_id] = {
            "action": operation["action"],
            "channel": _ref("channels", channel_id),
            "summary": original["description"],
            "messages": [
                _ref("channels", channel_id, "messages", name) for name in channel["messages"]
            ],
        }
        if group != "send":
            operations[operation_id]["bindings"] = {
                "kafka": {"groupId": {"type": "string", "enum": [group]}, "bindingVersion": "0.4.0"}
            }
    schemas = {
        f"{name}.v1": {
            "schemaFormat": "application/schema+json;version=draft-2020-12",
            "schema": committed_schema(name),
        }
        for name in schema_names()
    }
    return {
        "asyncapi": generated["asyncapi"],
        "info": generated["info"],
        "defaultContentType": CONTENT_TYPE,
        "servers": generated["servers"],
        "channels": dict(sorted(channels.items(), key=lambda item: _order(by_id, item[0]))),
        "operations": dict(sorted(operations.items(), key=lambda item: _rank(by_id, item[0]))),
        "components": {
            "messages": {
                name: message
                for topic in by_id.values()
                for name, message in topic.messages.items()
            },
            "schemas": schemas,
        },
    }


def _order(by_id: dict[str, Topic], channel_id: str) -> int:
    return list(by_id).index(channel_id)


def _rank(by_id: dict[str, Topic], operation_id: str) -> tuple[int, int, str]:
    """Operations by topic, the send before the receives (FastStream keeps no order)."""
    channel_id = next(
        topic_id
        for topic_id in sorted(by_id, key=len, reverse=True)
        if operation_id.startswith(f"{topic_id}-")
    )
    return _order(by_id, channel_id), 0 if operation_id.endswith("-send") else 1, operation_id


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(parts)}


def fact_types_on(address: str) -> Iterator[str]:
    """The CloudEvents types a topic carries (for docs and tests)."""
    for topic in topics():
        if topic.address == address:
            for name in topic.messages:
                if name in FACT_TYPES:
                    yield cloudevents_type(name)


_SERVER_TEXT = (
    "The local development broker (ketenbus-dev kafka start). In production: the "
    "corporation's Kafka cluster (any Kafka 3.x or 4.x, or a compatible service)."
)
_DESCRIPTION = """\
The Kafka topics of ketenbus, the integration bus between the corporation and its
maintenance partners (co-makers). Canonical facts are CloudEvents 1.0 in the Kafka
binary binding: the record value is the fact as JSON (schemas under
contracts/schemas/, JSON Schema 2020-12), the attributes are `ce_` headers, the key is
the order number. Consume with isolation.level=read_committed and deduplicate by
`ce_id`. The corporation owns all data; `ce_classification` and `ce_purpose` say who
may read what. See docs/contracts.md."""
