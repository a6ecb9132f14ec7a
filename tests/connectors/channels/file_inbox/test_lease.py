"""The inbox acts only while it holds its lease: what a process that lost it leaves behind.

``holding`` stands for ``Lease.confirm`` (tests/processes/test_ingress_lease.py runs the
real lease with two processes). Scans are driven one at a time against the real broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.channels import RawWriter
from connectors.channels.file_inbox import (
    MIB,
    FileInbox,
    FileInboxSettings,
    LocalFolder,
    Outcome,
    ensure_raw_topic,
    raw_record_limit,
)
from connectors.heuvelland import INBOX as HEUVELLAND
from contracts import KafkaSettings
from tests.connectors.channels.conftest import read_all
from tests.samples import partner_sample

FIRST = "HVL_20261126073000_0001.xml"
SECOND = "HVL_20261127160500_0002.xml"
ALIEN = "A-not-a-heuvelland-name.txt"


@pytest.fixture
async def raw_writer(kafka: KafkaSettings) -> AsyncIterator[RawWriter]:
    await ensure_raw_topic(kafka, "heuvelland", raw_record_limit(10 * MIB))
    async with RawWriter(kafka, max_record_bytes=raw_record_limit(10 * MIB)) as writer:
        yield writer


class Answers:
    """``holding()`` answering from a list (the last answer repeats), counting the asks."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def __call__(self) -> bool:
        self.asked += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def taker(inbox_dir: Path, writer: RawWriter, holding: Answers) -> FileInbox:
    settings = FileInboxSettings(path=str(inbox_dir), settle_seconds=0)
    return FileInbox(HEUVELLAND, settings, writer, holding=holding)


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


async def test_an_inbox_that_does_not_hold_its_lease_stores_and_moves_nothing(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    for name in (FIRST, SECOND):
        (inbox_dir / name).write_bytes(partner_sample("heuvelland", name))
    (inbox_dir / ALIEN).write_bytes(b"x")  # first in name order; rejecting it is an act too

    results = await taker(inbox_dir, raw_writer, Answers(False)).scan(LocalFolder())

    # The first act refused ends the scan: the holder does the rest.
    assert [(r.name, r.outcome) for r in results] == [(ALIEN, Outcome.STANDBY)]
    assert names(inbox_dir) == sorted([FIRST, SECOND, ALIEN])
    assert await read_all(kafka, kafka.topics.raw("heuvelland")) == []
    assert names(inbox_dir.parent / "rejected") == []


async def test_a_lease_lost_between_storing_and_moving_leaves_the_file_to_the_next_holder(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    body = partner_sample("heuvelland", FIRST)
    (inbox_dir / FIRST).write_bytes(body)
    zombie = Answers(True, False)  # held when it stored, lost when it came to move

    (stored,) = await taker(inbox_dir, raw_writer, zombie).scan(LocalFolder())
    assert stored.outcome is Outcome.STANDBY
    assert stored.location is not None
    assert names(inbox_dir) == [FIRST]  # not moved: the next holder may be handling it

    # The next holder finds its marker: moved as stored before, not stored twice.
    (moved,) = await taker(inbox_dir, raw_writer, Answers(True)).scan(LocalFolder())
    assert moved.outcome is Outcome.DUPLICATE
    assert names(inbox_dir) == []
    (record,) = await read_all(kafka, kafka.topics.raw("heuvelland"))
    assert record.value == body


async def test_a_scan_stops_between_two_files_when_the_lease_is_being_handed_over(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    for name in (FIRST, SECOND):
        (inbox_dir / name).write_bytes(partner_sample("heuvelland", name))
    ended = asyncio.Event()
    inbox = taker(inbox_dir, raw_writer, Answers(True))

    class HandOverAfterTheFirstFile(LocalFolder):
        async def rename(self, source: str, target: str) -> None:
            await super().rename(source, target)
            ended.set()  # the revocation comes while the first file is being moved

    results = await inbox.scan(HandOverAfterTheFirstFile(), ended)

    assert [(r.name, r.outcome) for r in results] == [(FIRST, Outcome.STORED)]
    assert names(inbox_dir) == [SECOND]


async def test_a_file_gone_from_the_inbox_while_it_was_taken_is_not_moved(
    kafka: KafkaSettings, raw_writer: RawWriter, inbox_dir: Path
) -> None:
    """Another process (the zombie or ops) moved it away between storing and moving: no
    stray reason file, no failing rename."""
    (inbox_dir / FIRST).write_bytes(partner_sample("heuvelland", FIRST))

    class TakenAway(LocalFolder):
        async def write_text(self, path: str, text: str) -> None:
            await super().write_text(path, text)
            if "/.sha256/" in path:
                (inbox_dir / FIRST).rename(inbox_dir.parent / FIRST)

    (result,) = await taker(inbox_dir, raw_writer, Answers(True)).scan(TakenAway())

    assert result.outcome is Outcome.GONE
    assert names(inbox_dir.parent / "processed") == [".sha256"]
