"""A Gulpdal upload that stalls longer than ``settle_seconds`` is never taken half-written.

The uploader is a real process (``python -c``) that writes the header and four rows,
keeps the file open and pauses well past ``settle_seconds``, then writes four more rows
and closes, the way a stalled SFTP upload does (sftp-server writes through one open
handle). Against the real broker: every row arrives, none is lost.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.channels import RawWriter
from connectors.channels.file_inbox import (
    FileInbox,
    FileInboxSettings,
    LocalFolder,
    Outcome,
    run_file_inbox,
    sftp_folder,
)
from connectors.channels.file_inbox._writers import open_for_writing
from connectors.gulpdal import INBOX as GULPDAL
from connectors.gulpdal import translate
from contracts import KafkaSettings
from tests.connectors.channels.conftest import read_all
from tests.connectors.channels.file_inbox.conftest import SftpServer
from tests.kafka_helpers import eventually
from tests.samples import raw

NAME = "gulpdal_werkbonnen_20261207.csv"
HEADER = (
    b"Opdrachtnummer;Werkbon;Regelsoort;Status;Reden;Datum;Tijd;Monteur;Aantal;Eenheid;"
    b"Prijs;Omschrijving\r\n"
)
ROWS = [
    b"WL-2026-0047%02d;G-77%02d;STATUS;ACC;;07-12-2026;16:%02d;;;;;\r\n" % (i, i, i)
    for i in range(20, 28)
]
FIRST_PART = HEADER + b"".join(ROWS[:4])
WHOLE = FIRST_PART + b"".join(ROWS[4:])
SETTLE = 0.3
PAUSE = 2.0  # well past SETTLE, and many polls

UPLOADER = """
import sys, time
path, first, rest, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
with open(path, "wb") as upload:  # one open handle, like sftp-server's
    upload.write(open(first, "rb").read())
    upload.flush()
    print("paused", flush=True)
    time.sleep(pause)  # the uploader stalls (a slow line, a busy ERP)
    upload.write(open(rest, "rb").read())
    upload.flush()
print("done", flush=True)
"""


class Uploader:
    """The partner's upload, as a real process writing into the inbox."""

    def __init__(self, path: Path, scratch: Path) -> None:
        (scratch / "first").write_bytes(FIRST_PART)
        (scratch / "rest").write_bytes(WHOLE[len(FIRST_PART) :])
        parts = [str(scratch / "first"), str(scratch / "rest")]
        self.process = subprocess.Popen(
            [sys.executable, "-c", UPLOADER, str(path), *parts, str(PAUSE)],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == b"paused\n"  # the first part is on disk

    def done(self) -> bool:
        return self.process.poll() is not None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    inbox = tmp_path / "gulpdal" / "inbox"
    inbox.mkdir(parents=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return inbox, scratch


@pytest.fixture
async def writer(kafka: KafkaSettings) -> AsyncIterator[RawWriter]:
    async with RawWriter(kafka) as raw_writer:
        yield raw_writer


def rows_of(record_value: bytes) -> int:
    return len(translate(raw("gulpdal", record_value, "file")).events)


async def test_a_stalled_upload_with_an_open_writer_is_taken_only_once_complete(
    kafka: KafkaSettings, dirs: tuple[Path, Path]
) -> None:
    inbox, scratch = dirs
    processed = inbox.parent / "processed"
    settings = FileInboxSettings(path=str(inbox), poll_seconds=0.05, settle_seconds=SETTLE)
    stopping = asyncio.Event()
    runner = asyncio.create_task(run_file_inbox(GULPDAL, settings, kafka, stopping))
    uploader = Uploader(inbox / NAME, scratch)
    try:
        # Size and time stand still for PAUSE (> SETTLE): only the open writer holds it.
        await eventually(uploader.done, within=PAUSE + 10, what="upload finished")
        assert (inbox / NAME).exists(), "taken while the uploader still had it open"
        await eventually(lambda: (processed / NAME).exists(), what="taken after the upload")
    finally:
        uploader.stop()
        stopping.set()
        await runner

    (record,) = await read_all(kafka, kafka.topics.raw("gulpdal"))
    assert record.value == WHOLE
    assert rows_of(record.value) == 8
    assert (processed / NAME).read_bytes() == WHOLE


async def test_a_stalled_upload_whose_writer_cannot_be_seen_is_stored_again_complete(
    kafka: KafkaSettings, writer: RawWriter, dirs: tuple[Path, Path]
) -> None:
    """Where ketenbus may not read the uploader's /proc entries (another user), the half
    file is taken at the pause; the rows written after that are noticed and stored."""
    inbox, scratch = dirs
    processed = inbox.parent / "processed"
    taker = FileInbox(GULPDAL, FileInboxSettings(path=str(inbox), settle_seconds=SETTLE), writer)
    folder = LocalFolder(see_writers=False)
    uploader = Uploader(inbox / NAME, scratch)
    outcomes: list[Outcome] = []
    try:
        async with asyncio.timeout(PAUSE + 20):
            # The ingress's poll loop, driven here so every outcome can be checked.
            while not (uploader.done() and outcomes.count(Outcome.STORED) >= 2):
                outcomes += [result.outcome for result in await taker.scan(folder)]
                await asyncio.sleep(0.05)
    finally:
        uploader.stop()

    first, second = await read_all(kafka, kafka.topics.raw("gulpdal"))
    assert first.value == FIRST_PART  # taken at the pause: the 4 rows
    assert rows_of(first.value) == 4
    assert second.value == WHOLE  # the rest was noticed and everything stored again
    assert rows_of(second.value) == 8
    assert outcomes.count(Outcome.STORED) == 2
    assert Outcome.CHANGED in outcomes
    assert not any(inbox.iterdir())
    assert (processed / NAME).read_bytes() == WHOLE
    reason = (processed / (NAME + ".reason.txt")).read_text()
    assert f"raw record: {second.topic} partition {second.partition} offset {second.offset}" in (
        reason
    )


class WriterWakesUp(LocalFolder):
    """The uploader writes its next rows right after the raw record was stored, before
    the file is moved: the re-check just before the move must see it."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.woke = False

    async def write_text(self, path: str, text: str) -> None:
        await super().write_text(path, text)
        if not self.woke and re.search(r"\.sha256/", path):
            self.woke = True
            with self.path.open("ab") as upload:
                upload.write(b"".join(ROWS[4:]))


async def test_a_file_that_changes_between_storing_and_the_move_stays_and_is_stored_again(
    kafka: KafkaSettings, writer: RawWriter, dirs: tuple[Path, Path]
) -> None:
    inbox, _ = dirs
    (inbox / NAME).write_bytes(FIRST_PART)
    taker = FileInbox(
        replace(GULPDAL, settle_seconds=0.0), FileInboxSettings(path=str(inbox)), writer
    )
    folder = WriterWakesUp(inbox / NAME)

    (result,) = await taker.scan(folder)

    assert result.outcome is Outcome.CHANGED
    assert result.location is not None  # the half was stored ...
    assert sorted(p.name for p in inbox.iterdir()) == [NAME]  # ... and the file stays
    assert sorted(p.name for p in (inbox.parent / "processed").iterdir()) == [".sha256"]
    (again,) = await taker.scan(folder)
    assert again.outcome is Outcome.STORED
    first, second = await read_all(kafka, kafka.topics.raw("gulpdal"))
    assert (first.value, second.value) == (FIRST_PART, WHOLE)


def test_an_open_writer_is_seen_in_proc_and_a_reader_is_not(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(FIRST_PART)
    assert not open_for_writing(str(path))
    with path.open("rb"):
        assert not open_for_writing(str(path))  # a reader (a backup, a virus scan) is no writer
    with path.open("ab"):
        assert open_for_writing(str(path))
    descriptor = os.open(path, os.O_RDWR)
    try:
        assert open_for_writing(str(path))
    finally:
        os.close(descriptor)
    assert not open_for_writing(str(path))
    assert not open_for_writing(str(tmp_path / "gone.csv"))


async def test_over_sftp_rows_written_into_a_taken_file_are_noticed_and_stored_again(
    kafka: KafkaSettings, writer: RawWriter, sftp: SftpServer
) -> None:
    """SFTP tells nothing about open handles: the watch after the move is what holds."""
    inbox = sftp.root / "gulpdal" / "inbox"
    inbox.mkdir(parents=True)
    (inbox / NAME).write_bytes(FIRST_PART)
    now = [0.0]
    settings = FileInboxSettings(path="/gulpdal/inbox", sftp=sftp.settings, settle_seconds=0)
    async with sftp_folder(sftp.settings) as folder:
        taker = FileInbox(GULPDAL, settings, writer, clock=lambda: now[0])
        assert [r.outcome for r in await taker.scan(folder)] == [Outcome.STORED]
        moved = sftp.root / "gulpdal" / "processed" / NAME
        with moved.open("ab") as upload:  # the stalled writer goes on, into the moved file
            upload.write(b"".join(ROWS[4:]))
        results = await taker.scan(folder)
        now[0] += 3600  # watched no longer: a later change is ops' own
        with moved.open("ab") as upload:
            upload.write(b"\r\n")
        assert await taker.scan(folder) == []

    assert [(r.outcome, r.reason) for r in results] == [
        (Outcome.CHANGED, "changed after it was taken: put back into the inbox, taken again"),
        (Outcome.STORED, "stored on Kafka"),
    ]
    first, second = await read_all(kafka, kafka.topics.raw("gulpdal"))
    assert (first.value, second.value) == (FIRST_PART, WHOLE)
    assert rows_of(second.value) == 8
