"""The file inbox on a local folder against the real broker: each fault and what it leaves.

Scans are driven one at a time (``FileInbox.scan``), so every test awaits its outcome
instead of sleeping through poll intervals.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from connectors.channels import RawWriter
from connectors.channels.file_inbox import (
    MIB,
    SHA256_HEADER,
    FileInbox,
    FileInboxPartner,
    FileInboxSettings,
    LocalFolder,
    Outcome,
    ensure_raw_topic,
    raw_record_limit,
)
from connectors.heuvelland import INBOX as HEUVELLAND
from connectors.heuvelland import translate
from contracts import KafkaSettings, RawMessage
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka.topics import ensure_topics
from tests.connectors.channels.conftest import closed_port, read_all
from tests.samples import partner_sample

FIRST = "HVL_20261126073000_0001.xml"
SECOND = "HVL_20261127160500_0002.xml"


class Crash(Exception):
    """Stands for the process dying at one exact step."""


class CrashingFolder(LocalFolder):
    """A local folder that dies once at the first operation whose path matches."""

    def __init__(self, operation: str, path_pattern: str) -> None:
        super().__init__()
        self.operation = operation
        self.pattern = re.compile(path_pattern)
        self.crashed = False

    def _maybe_crash(self, operation: str, path: str) -> None:
        if not self.crashed and operation == self.operation and self.pattern.search(path):
            self.crashed = True
            raise Crash(f"{operation} {path}")

    async def write_text(self, path: str, text: str) -> None:
        self._maybe_crash("write_text", path)
        await super().write_text(path, text)

    async def rename(self, source: str, target: str) -> None:
        self._maybe_crash("rename", source)
        await super().rename(source, target)


@pytest.fixture
async def raw_writer(kafka: KafkaSettings) -> AsyncIterator[RawWriter]:
    await ensure_raw_topic(kafka, "heuvelland", raw_record_limit(10 * MIB))
    async with RawWriter(kafka, max_record_bytes=raw_record_limit(10 * MIB)) as writer:
        yield writer


def inbox(inbox_dir: Path, writer, partner: FileInboxPartner = HEUVELLAND, **settings) -> FileInbox:
    return FileInbox(partner, FileInboxSettings(path=str(inbox_dir), **settings), writer)


def put(folder: Path, name: str, body: bytes) -> Path:
    (folder / name).write_bytes(body)
    return folder / name


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_a_complete_file_is_stored_then_moved_and_a_part_file_is_never_read(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    body = partner_sample("heuvelland", FIRST)
    put(inbox_dir, FIRST, body)
    put(inbox_dir, SECOND + ".part", b"<half an upload")
    taker = inbox(inbox_dir, raw_writer)

    (result,) = await taker.scan(LocalFolder())

    assert result.outcome is Outcome.STORED
    (record,) = await read_all(kafka, kafka.topics.raw("heuvelland"))
    assert record.value == body
    assert record.key == b"heuvelland"
    headers = dict(record.headers)
    assert headers["kb_channel"] == b"file"
    assert headers["kb_origin"] == FIRST.encode()
    assert headers["kb_content_type"] == b"application/xml"
    assert len(headers[SHA256_HEADER]) == 64
    assert result.location is not None
    assert result.location.offset == record.offset
    processed = inbox_dir.parent / "processed"
    assert listing(inbox_dir) == [SECOND + ".part"]
    assert listing(processed) == [".sha256", FIRST, FIRST + ".reason.txt"]
    assert (processed / FIRST).read_bytes() == body
    reason = (processed / (FIRST + ".reason.txt")).read_text()
    assert reason.startswith("outcome: stored\nreason: stored on Kafka\n")
    assert (
        f"raw record: {record.topic} partition {record.partition} offset {record.offset}" in reason
    )

    # The upload completes: the renamed file is taken at the next scan.
    os.rename(inbox_dir / (SECOND + ".part"), inbox_dir / SECOND)
    put(inbox_dir, SECOND, partner_sample("heuvelland", SECOND))
    (result,) = await taker.scan(LocalFolder())
    assert (result.name, result.outcome) == (SECOND, Outcome.STORED)
    assert len(await read_all(kafka, kafka.topics.raw("heuvelland"))) == 2


async def test_the_same_content_again_under_any_name_is_not_stored_again(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    body = partner_sample("heuvelland", FIRST)
    taker = inbox(inbox_dir, raw_writer)
    put(inbox_dir, FIRST, body)
    await taker.scan(LocalFolder())

    put(inbox_dir, FIRST, body)  # the same name again
    put(inbox_dir, "HVL_20261126080000_0007.xml", body)  # a new name, the same bytes
    results = await taker.scan(LocalFolder())

    assert [r.outcome for r in results] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len(await read_all(kafka, kafka.topics.raw("heuvelland"))) == 1
    processed = inbox_dir.parent / "processed"
    assert listing(inbox_dir) == []
    assert "HVL_20261126073000_0001.2.xml" in listing(processed)
    reason = (processed / "HVL_20261126080000_0007.xml.reason.txt").read_text()
    assert "outcome: duplicate" in reason
    assert f"first stored:\n  file: {FIRST!r}\n" in reason


async def test_a_file_that_can_never_be_taken_is_rejected_with_its_reason_and_not_stored(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    put(inbox_dir, "HVL_20261126090000_0001.xml", b"x" * 2001)  # over the limit below
    put(inbox_dir, "HVL_20261126090000_0002.xml", b"")
    put(inbox_dir, "HVL_20261126090000_0003.xml", b"<?xml version='1.0'?><!DOCTYPE x []><x/>")
    put(inbox_dir, "orders.txt", b"hello")
    taker = inbox(inbox_dir, raw_writer, max_file_bytes=2000)

    results = await taker.scan(LocalFolder())

    assert [(r.name, r.outcome) for r in results] == [
        ("HVL_20261126090000_0001.xml", Outcome.REJECTED),
        ("HVL_20261126090000_0002.xml", Outcome.REJECTED),
        ("HVL_20261126090000_0003.xml", Outcome.REJECTED),
        ("orders.txt", Outcome.REJECTED),
    ]
    assert [r.reason for r in results] == [
        "larger than 2000 bytes: not read",
        "empty file",
        "UnsafeMessage: the file declares a DTD (DOCTYPE): refused, never data",
        r"name does not match HVL_\d{14}_\d{1,6}\.xml",
    ]
    rejected = inbox_dir.parent / "rejected"
    assert listing(inbox_dir) == []
    assert len(listing(rejected)) == 8
    reason = (rejected / "HVL_20261126090000_0003.xml.reason.txt").read_text()
    assert reason.startswith("outcome: rejected\nreason: UnsafeMessage: the file declares a DTD")
    assert await read_all(kafka, kafka.topics.raw("heuvelland")) == []


async def test_a_crash_after_storing_and_before_the_marker_stores_again_with_the_same_ids(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    body = partner_sample("heuvelland", SECOND)
    put(inbox_dir, SECOND, body)
    with pytest.raises(Crash):
        await inbox(inbox_dir, raw_writer).scan(CrashingFolder("write_text", r"\.sha256/"))
    assert listing(inbox_dir) == [SECOND]  # still there: taken again after the restart

    (result,) = await inbox(inbox_dir, raw_writer).scan(LocalFolder())

    assert result.outcome is Outcome.STORED
    first, second = await read_all(kafka, kafka.topics.raw("heuvelland"))
    assert first.value == second.value == body
    ids = [
        [e.id for e in translate(RawMessage.from_kafka(r.key, r.value, tuple(r.headers))).events]
        for r in (first, second)
    ]
    assert ids[0] == ids[1]
    assert len(ids[0]) == 3


async def test_a_crash_after_the_marker_and_before_the_move_does_not_store_again(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    put(inbox_dir, SECOND, partner_sample("heuvelland", SECOND))
    with pytest.raises(Crash):
        await inbox(inbox_dir, raw_writer).scan(CrashingFolder("rename", "/inbox/"))
    assert listing(inbox_dir) == [SECOND]

    (result,) = await inbox(inbox_dir, raw_writer).scan(LocalFolder())

    assert result.outcome is Outcome.DUPLICATE
    assert len(await read_all(kafka, kafka.topics.raw("heuvelland"))) == 1
    assert SECOND in listing(inbox_dir.parent / "processed")


async def test_kafka_not_answering_leaves_the_file_in_the_inbox(
    kafka: KafkaSettings, inbox_dir: Path
) -> None:
    unreachable = KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}")
    put(inbox_dir, FIRST, partner_sample("heuvelland", FIRST))
    put(inbox_dir, SECOND, partner_sample("heuvelland", SECOND))
    writer = RawWriter(unreachable, write_timeout=0.5)
    try:
        results = await inbox(inbox_dir, writer).scan(LocalFolder())
    finally:
        await writer.stop()

    # The first fails and the scan stops: the next poll tries both again.
    assert [(r.name, r.outcome) for r in results] == [(FIRST, Outcome.FAILED)]
    assert "not stored, stays in the inbox" in results[0].reason
    assert listing(inbox_dir) == [FIRST, SECOND]
    assert listing(inbox_dir.parent / "processed") == [".sha256"]


async def test_without_part_files_a_file_is_taken_once_it_stood_still(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    now = [1000.0]
    partner = FileInboxPartner(
        "heuvelland",
        re.compile(r".*\.xml", re.ASCII),
        "application/xml",
        10 * MIB,
        settle_seconds=5,
    )
    taker = FileInbox(
        partner, FileInboxSettings(path=str(inbox_dir)), raw_writer, clock=lambda: now[0]
    )
    path = put(inbox_dir, FIRST, partner_sample("heuvelland", FIRST)[:100])

    assert [r.outcome for r in await taker.scan(LocalFolder())] == [Outcome.WAITING]
    now[0] += 4
    path.write_bytes(partner_sample("heuvelland", FIRST))  # still being written
    assert [r.outcome for r in await taker.scan(LocalFolder())] == [Outcome.WAITING]
    now[0] += 4.9
    assert [r.outcome for r in await taker.scan(LocalFolder())] == [Outcome.WAITING]
    now[0] += 0.1
    assert [r.outcome for r in await taker.scan(LocalFolder())] == [Outcome.STORED]
    (record,) = await read_all(kafka, kafka.topics.raw("heuvelland"))
    assert record.value == partner_sample("heuvelland", FIRST)


def ten_mebibyte_batch() -> bytes:
    """A valid batch of exactly 10 MiB: one Bericht and incompressible padding."""
    head = partner_sample("heuvelland", FIRST)
    padding = 10 * MIB - len(head) - len(b"<!--  -->\r\n")
    # Random base64 text: gzip cannot shrink it below the 2 MiB of an ordinary raw topic.
    noise = __import__("base64").b64encode(os.urandom(padding))[:padding]
    body = head + b"<!-- " + noise + b" -->\r\n"
    assert len(body) == 10 * MIB
    return body


async def test_a_ten_mebibyte_file_is_one_raw_record_on_a_topic_whose_limit_was_raised(
    kafka: KafkaSettings, inbox_dir: Path
) -> None:
    topic = kafka.topics.raw("heuvelland")
    # The translator may have made the raw topic first, with the ordinary 2 MiB limit.
    await ensure_topics(kafka, [topic], {**RAW_TOPIC_CONFIG, "retention.ms": "86400000"})
    await ensure_raw_topic(kafka, "heuvelland", raw_record_limit(10 * MIB))
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)]
        )
    finally:
        await admin.close()
    config = {entry[0]: entry[1] for entry in response.resources[0][4]}
    assert config["max.message.bytes"] == str(11 * MIB)
    assert config["retention.ms"] == "86400000"  # kept while raising the limit

    body = ten_mebibyte_batch()
    put(inbox_dir, FIRST, body)
    put(inbox_dir, SECOND, body + b" ")  # one byte over: never read
    async with RawWriter(kafka, max_record_bytes=raw_record_limit(10 * MIB)) as writer:
        results = await inbox(inbox_dir, writer).scan(LocalFolder())

    assert [(r.name, r.outcome) for r in results] == [
        (FIRST, Outcome.STORED),
        (SECOND, Outcome.REJECTED),
    ]
    assert results[1].reason == f"larger than {10 * MIB} bytes: not read"
    (record,) = await read_all(kafka, topic)
    assert record.value == body
    (event,) = translate(
        RawMessage.from_kafka(record.key, record.value, tuple(record.headers))
    ).events[:1]
    assert event.data.order_number == "WL-2026-004712"
