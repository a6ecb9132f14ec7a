"""The data warehouse parks without bytes: a replay fetches the original from its
source topic (or says why it cannot); a dead letter parked twice is one row; discard;
and the typed errors, which name what was wrong."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from contracts import DeadLetter, KafkaRecord
from kit.kafka.topics import ensure_topics
from tests.deadletters.conftest import cli, rows
from tests.kafka_helpers import read_records
from tests.router.kit import build, publish_raw, running

BOGUS = b'{"not": "a canonical fact", "name": "J. Jansen"}'
BOGUS_HEADERS = [("ce_specversion", b"1.0"), ("ce_id", b"x-1")]


async def produce(kafka, topic: str, record: KafkaRecord) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, record.value, key=record.key,
                                     headers=list(record.headers))  # fmt: skip
    finally:
        await producer.stop()


async def test_a_dwh_dead_letter_is_replayed_from_its_original(kafka) -> None:
    topics = kafka.topics
    await publish_raw(kafka, topics.orders, b"WL-2026-000009", BOGUS, BOGUS_HEADERS)
    worker = build("dwh", kafka)
    async with running(worker):
        (parked,) = await read_records(kafka, topics.deadletter("dwh"), 1)
        assert parked.value == b""  # without bytes, always
        # A crash between parking and committing parks it twice: still one dead letter.
        twice = KafkaRecord(parked.key, parked.value, tuple(parked.headers))
        await produce(kafka, topics.deadletter("dwh"), twice)
        (row,) = await rows(kafka, "dwh")
        assert row["key"].startswith(f"{topics.orders}:")
        assert len(row["refs"]) == 2
        shown = await cli(kafka, "show", "dwh", row["ref"], "--value")
        assert "parked without bytes" in shown.stdout
        assert "Jansen" not in shown.stdout  # the original is not shown from here

        replayed = await cli(kafka, "replay", "dwh", "--all-open", "--yes")
        assert replayed.exit_code == 0, replayed.output
        (sent,) = await read_records(kafka, topics.replay("dwh"), 1)
        # Still unreadable: parked again, now pointing at the replay topic.
        parked_again = await read_records(kafka, topics.deadletter("dwh"), 3)
    assert (sent.key, sent.value, list(sent.headers)) == (b"WL-2026-000009", BOGUS, BOGUS_HEADERS)
    (row,) = await rows(kafka, "dwh")
    assert row["key"].startswith(f"{topics.replay('dwh')}:")
    assert row["ref"] == f"{parked_again[-1].partition}:{parked_again[-1].offset}"
    assert [r["status"] for r in await rows(kafka, "dwh", "--all")] == ["replayed", "open"]

    no_reason = await cli(kafka, "discard", "dwh", row["ref"], "--yes")
    assert no_reason.exit_code == 2  # --reason is required
    discarded = await cli(kafka, "discard", "dwh", row["ref"], "--reason", "test record",
                          "--by", "ops-2", "--yes")  # fmt: skip
    assert discarded.exit_code == 0, discarded.output
    assert await rows(kafka) == []
    statuses = [(r["status"], r["decided_by"]) for r in await rows(kafka, "dwh", "--all")]
    assert statuses == [("replayed", "ops-tester"), ("discarded", "ops-2")]


async def test_an_original_that_is_gone_is_a_clear_error(kafka) -> None:
    topics = kafka.topics
    await ensure_topics(kafka, [topics.orders])  # empty: offset 7 is not (or no longer) there
    letter = DeadLetter(
        topic=topics.orders, partition=0, offset=7, stage="dwh", exception="KeyError",
        message="mapping failed", destination="dwh",
    ).to_kafka(b"k", b"", ())  # fmt: skip
    await publish_raw(kafka, topics.deadletter("dwh"), b"k", b"", list(letter.headers))
    (row,) = await rows(kafka, "dwh")
    result = await cli(kafka, "replay", "dwh", row["ref"], "--yes")
    assert result.exit_code == 1
    assert result.stderr == (
        f"deadletters: parked without bytes and the original at {topics.orders} partition 0 "
        "offset 7 cannot be read: the log ends at 0; nothing to replay (discard it with a "
        "reason)\n"
    )
    assert await read_records(kafka, topics.replay("dwh"), 0) == []
    assert (await rows(kafka, "dwh"))[0]["status"] == "open"


async def test_unknown_stages_and_references_are_named(kafka) -> None:
    result = await cli(kafka, "list", "onderhoudd")
    assert result.exit_code == 1
    assert result.stderr.startswith("deadletters: unknown stage 'onderhoudd'; known stages: ")
    assert "translate, workorders, onderhoud, financien, relaties, dwh" in result.stderr
    missing = await cli(kafka, "show", "onderhoud", "0:99")
    assert missing.exit_code == 1
    assert "no dead letter '0:99' in stage 'onderhoud'" in missing.stderr
    neither = await cli(kafka, "replay", "onderhoud")
    assert neither.exit_code == 2
