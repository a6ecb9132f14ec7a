"""What does not belong in an inbox is rejected with a reason, never followed or opened,
and its name can never forge a line in the log or the reason file.

Real files on disk (a symlink out of the inbox, a FIFO, a directory, ``..`` names,
full-width digits, a newline in a name), over a local folder and over a real SFTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from connectors.channels import RawWriter
from connectors.channels.file_inbox import (
    MIB,
    FileInbox,
    FileInboxPartner,
    FileInboxSettings,
    LocalFolder,
    Outcome,
    sftp_folder,
)
from connectors.gulpdal import INBOX as GULPDAL
from connectors.heuvelland import INBOX as HEUVELLAND
from contracts import KafkaSettings
from tests.connectors.channels.conftest import read_all
from tests.connectors.channels.file_inbox.conftest import SftpServer, settings_for
from tests.samples import partner_sample

FIRST = "HVL_20261126073000_0001.xml"
FORGED = "HVL_20261207010000_0001.xml\n2026-12-07 01:00:00 CRITICAL fake: database wiped"
FULL_WIDTH = "HVL_２０２６１２０７０１００００_０００１.xml"

SYMLINK = "a symbolic link: moved as it is, never followed"
FIFO = "a FIFO (named pipe): moved as it is, never opened"
DIRECTORY = "a directory: moved as it is, never read"
DOTDOT = "name starts with '..': not read"


@pytest.fixture
async def writer(kafka: KafkaSettings) -> AsyncIterator[RawWriter]:
    async with RawWriter(kafka) as raw_writer:
        yield raw_writer


def taker(inbox: Path, writer: RawWriter, partner: FileInboxPartner = HEUVELLAND) -> FileInbox:
    return FileInbox(partner, FileInboxSettings(path=str(inbox), settle_seconds=0), writer)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def reason_lines(rejected: Path, name: str) -> list[str]:
    return (rejected / (name + ".reason.txt")).read_text(encoding="utf-8").splitlines()


@contextlib.contextmanager
def unblocking(*fifos: Path) -> Iterator[None]:
    """Whatever happens, never leave a thread blocked on opening one of these FIFOs."""
    try:
        yield
    finally:
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


async def test_a_newline_in_a_name_is_quoted_on_one_line_in_the_log_and_the_reason_file(
    kafka: KafkaSettings,
    writer: RawWriter,
    inbox_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (inbox_dir / FORGED).write_bytes(partner_sample("heuvelland", FIRST))

    with caplog.at_level(logging.INFO, logger="connectors.channels.file_inbox"):
        (result,) = await taker(inbox_dir, writer).scan(LocalFolder())

    assert result.outcome is Outcome.REJECTED
    (line,) = [r.getMessage() for r in caplog.records if "file inbox" in r.getMessage()]
    assert "\n" not in line
    assert f"file={FORGED!r} " in line
    assert not any(r.levelno == logging.CRITICAL for r in caplog.records)
    lines = reason_lines(inbox_dir.parent / "rejected", FORGED)
    assert [entry.split(":", 1)[0] for entry in lines] == ["outcome", "reason", "file", "at"]
    assert lines[2] == f"file: {FORGED!r}"
    assert lines[1] == r"reason: name does not match HVL_\d{14}_\d{1,6}\.xml"
    assert await read_all(kafka, kafka.topics.raw("heuvelland")) == []


async def test_full_width_digits_do_not_match_a_partners_name_pattern(
    kafka: KafkaSettings, writer: RawWriter, tmp_path: Path
) -> None:
    heuvelland = tmp_path / "heuvelland" / "inbox"
    gulpdal = tmp_path / "gulpdal" / "inbox"
    for inbox in (heuvelland, gulpdal):
        inbox.mkdir(parents=True)
    (heuvelland / FULL_WIDTH).write_bytes(partner_sample("heuvelland", FIRST))
    gulpdal_name = "gulpdal_werkbonnen_２０２６１１２６.csv"
    (gulpdal / gulpdal_name).write_bytes(
        partner_sample("gulpdal", "gulpdal_werkbonnen_20261126.csv")
    )

    (hvl,) = await taker(heuvelland, writer).scan(LocalFolder())
    (gdl,) = await taker(gulpdal, writer, GULPDAL).scan(LocalFolder())

    assert (hvl.outcome, gdl.outcome) == (Outcome.REJECTED, Outcome.REJECTED)
    assert reason_lines(tmp_path / "heuvelland" / "rejected", FULL_WIDTH)[2] == (
        f"file: {FULL_WIDTH!r}"
    )
    assert gdl.reason == r"name does not match gulpdal_werkbonnen_\d{8}\.csv"
    for partner in ("heuvelland", "gulpdal"):
        assert await read_all(kafka, kafka.topics.raw(partner)) == []
    assert HEUVELLAND.name_pattern.fullmatch("HVL_20261207010000_0001.xml")
    assert not HEUVELLAND.name_pattern.fullmatch("HVL_2026120701000٠_0001.xml")  # Arabic-Indic 0


def test_a_partner_pattern_without_re_ascii_is_refused() -> None:
    with pytest.raises(ValueError, match=r"re\.ASCII"):
        FileInboxPartner("heuvelland", re.compile(r"HVL_\d+\.xml"), "application/xml", MIB)


async def test_a_symlink_a_fifo_a_directory_and_dotdot_names_are_rejected_never_followed(
    kafka: KafkaSettings, writer: RawWriter, inbox_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "outside" / "HVL_20261126073000_0001.xml"  # a valid batch
    secret.parent.mkdir()
    secret.write_bytes(partner_sample("heuvelland", FIRST))
    os.symlink(secret, inbox_dir / "HVL_20261207010000_0001.xml")
    os.mkfifo(inbox_dir / "HVL_20261207010000_0002.xml")
    (inbox_dir / "HVL_20261207010000_0003.xml").mkdir()
    (inbox_dir / "HVL_20261207010000_0003.xml" / FIRST).write_bytes(secret.read_bytes())
    (inbox_dir / "..hidden").write_bytes(secret.read_bytes())
    (inbox_dir / "..HVL_20261207010000_0004.xml").write_bytes(secret.read_bytes())
    (inbox_dir / ".upload.tmp").write_bytes(b"an upload tool's temporary file")
    rejected = inbox_dir.parent / "rejected"

    with unblocking(
        inbox_dir / "HVL_20261207010000_0002.xml", rejected / "HVL_20261207010000_0002.xml"
    ):
        async with asyncio.timeout(10):  # a FIFO that was opened would block right here
            results = await taker(inbox_dir, writer).scan(LocalFolder())

    assert [(r.name, r.outcome, r.reason) for r in results] == [
        ("..HVL_20261207010000_0004.xml", Outcome.REJECTED, DOTDOT),
        ("..hidden", Outcome.REJECTED, DOTDOT),
        ("HVL_20261207010000_0001.xml", Outcome.REJECTED, SYMLINK),
        ("HVL_20261207010000_0002.xml", Outcome.REJECTED, FIFO),
        ("HVL_20261207010000_0003.xml", Outcome.REJECTED, DIRECTORY),
    ]
    assert listing(inbox_dir) == [".upload.tmp"]  # an upload in progress: left alone
    # Moved as they are: the link itself (still pointing out), the FIFO node, the folder.
    link = rejected / "HVL_20261207010000_0001.xml"
    assert link.is_symlink()
    assert os.readlink(link) == str(secret)
    assert secret.read_bytes() == partner_sample("heuvelland", FIRST)  # the target stays put
    assert stat.S_ISFIFO(os.lstat(rejected / "HVL_20261207010000_0002.xml").st_mode)
    assert (rejected / "HVL_20261207010000_0003.xml" / FIRST).is_file()
    for result in results:
        lines = reason_lines(rejected, result.name)
        assert lines[:3] == [
            "outcome: rejected",
            f"reason: {result.reason}",
            f"file: {result.name!r}",
        ]
    assert listing(inbox_dir.parent / "processed" / ".sha256") == []
    assert await read_all(kafka, kafka.topics.raw("heuvelland")) == []


async def test_over_sftp_a_symlink_a_fifo_a_directory_and_dotdot_names_are_rejected(
    kafka: KafkaSettings, writer: RawWriter, sftp: SftpServer, tmp_path: Path
) -> None:
    inbox = sftp.root / "heuvelland" / "inbox"
    secret = tmp_path / "outside.xml"
    secret.write_bytes(partner_sample("heuvelland", FIRST))
    os.symlink(secret, inbox / "HVL_20261207010000_0001.xml")
    os.mkfifo(inbox / "HVL_20261207010000_0002.xml")
    (inbox / "HVL_20261207010000_0003.xml").mkdir()
    (inbox / "..hidden").write_bytes(secret.read_bytes())
    (inbox / FIRST).write_bytes(secret.read_bytes())
    rejected = sftp.root / "heuvelland" / "rejected"

    with unblocking(
        inbox / "HVL_20261207010000_0002.xml", rejected / "HVL_20261207010000_0002.xml"
    ):
        async with sftp_folder(sftp.settings) as folder, asyncio.timeout(20):
            results = await FileInbox(HEUVELLAND, settings_for(sftp), writer).scan(folder)

    assert [(r.name, r.outcome, r.reason) for r in results] == [
        ("..hidden", Outcome.REJECTED, DOTDOT),
        (FIRST, Outcome.STORED, "stored on Kafka"),
        ("HVL_20261207010000_0001.xml", Outcome.REJECTED, SYMLINK),
        ("HVL_20261207010000_0002.xml", Outcome.REJECTED, FIFO),
        ("HVL_20261207010000_0003.xml", Outcome.REJECTED, DIRECTORY),
    ]
    assert listing(inbox) == []
    assert (rejected / "HVL_20261207010000_0001.xml").is_symlink()
    assert stat.S_ISFIFO(os.lstat(rejected / "HVL_20261207010000_0002.xml").st_mode)
    assert (rejected / "HVL_20261207010000_0003.xml").is_dir()
    assert "reason: " + SYMLINK in reason_lines(rejected, "HVL_20261207010000_0001.xml")
    (record,) = await read_all(kafka, kafka.topics.raw("heuvelland"))
    assert record.value == secret.read_bytes()
