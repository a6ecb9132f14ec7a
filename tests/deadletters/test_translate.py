"""A real translate dead letter (the adapter refuses a message), replayed once the adapter
accepts it: the exact raw bytes and headers go back on the partner's raw topic, and
the translator makes the fact with the id it would have had the first time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from connectors.errors import InvalidMessage
from connectors.translator import DEADLETTER_TOPIC_CONFIG, Translator
from contracts import CanonicalEvent, OrderAccepted, RawMessage, event_id
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka.topics import ensure_topics
from tests.deadletters.conftest import cli, rows
from tests.kafka_helpers import read_records
from tests.router.kit import publish_raw

BODY = b'{"bericht": "M-1", "opdracht": "WL-2026-000007"}'


class FixableAdapter:
    """Refuses message M-1 until it is fixed (a mapping fix, deployed)."""

    def __init__(self) -> None:
        self.fixed = False

    def __call__(self, raw: RawMessage) -> list[CanonicalEvent]:
        if not self.fixed:
            raise InvalidMessage("opdracht: not understood yet", message_id="M-1")
        fact = OrderAccepted(
            order_number="WL-2026-000007", occurred_at=datetime(2026, 11, 26, 9, tzinfo=UTC)
        )
        return [
            CanonicalEvent.create(fact, partner="batchy", channel="file", partner_message_id="M-1")
        ]


async def test_a_translate_dead_letter_goes_back_on_the_raw_topic_byte_for_byte(kafka) -> None:
    topics = kafka.topics
    await ensure_topics(kafka, [topics.raw("batchy")], RAW_TOPIC_CONFIG)
    await ensure_topics(kafka, [topics.deadletter("translate")], DEADLETTER_TOPIC_CONFIG)
    original = RawMessage(
        partner="batchy",
        channel="file",
        body=BODY,
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        content_type="application/json",
        origin="batch_0001.json",
        key=b"WL-2026-000007",
    ).to_kafka()
    await publish_raw(kafka, topics.raw("batchy"), b"WL-2026-000007", original.value,
                      list(original.headers))  # fmt: skip
    adapter = FixableAdapter()
    translator = Translator(kafka, {"batchy": adapter})
    stopping = asyncio.Event()
    task = asyncio.create_task(translator.run(stopping))
    try:
        (parked,) = await read_records(kafka, topics.deadletter("translate"), 1)
        (row,) = await rows(kafka, "translate")
        assert (row["message_id"], row["partner"], row["exception"], row["status"]) == (
            "M-1", "batchy", "InvalidMessage", "open"
        )  # fmt: skip
        shown = await cli(kafka, "show", "translate", "M-1")
        assert "opdracht: not understood yet" in shown.stdout
        assert "WL-2026-000007" in shown.stdout  # the key and kb_ headers, not the body:
        assert '"bericht"' not in shown.stdout

        adapter.fixed = True
        replayed = await cli(kafka, "replay", "translate", "M-1", "--yes", "--by", "ops-1")
        assert replayed.exit_code == 0, replayed.output
        first, again = await read_records(kafka, topics.raw("batchy"), 2)
        (fact,) = await read_records(kafka, topics.orders, 1)
    finally:
        stopping.set()
        await task
    assert (again.key, again.value) == (first.key, first.value) == (b"WL-2026-000007", BODY)
    assert list(again.headers) == list(first.headers) == list(original.headers)
    assert dict(fact.headers)["ce_id"] == event_id("batchy", "M-1", 0).encode()
    assert translator.stats.outputs["dead_letter"] == 1  # the replay translated cleanly
    assert parked.value == BODY
    assert await rows(kafka) == []
