"""The inbox over SFTP against a real SFTP server on loopback (asyncssh's, rooted in a temp
dir): list, skip .part, download, store raw, rename on the server; reconnect after the
server went away; refuse a server with the wrong host key."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncssh
import pytest

from connectors.channels import RawWriter
from connectors.channels.file_inbox import (
    FileInbox,
    FileInboxSettings,
    FolderError,
    Outcome,
    run_file_inbox,
    sftp_folder,
)
from connectors.gulpdal import INBOX as GULPDAL
from connectors.heuvelland import INBOX as HEUVELLAND
from contracts import KafkaSettings
from tests.connectors.channels.conftest import read_all
from tests.connectors.channels.file_inbox.conftest import SftpServer, settings_for
from tests.kafka_helpers import eventually
from tests.samples import partner_sample

FIRST = "HVL_20261126073000_0001.xml"
SECOND = "HVL_20261127160500_0002.xml"


async def test_files_are_pulled_stored_and_renamed_on_the_server(
    kafka: KafkaSettings, sftp: SftpServer
) -> None:
    inbox = sftp.root / "heuvelland" / "inbox"
    (inbox / FIRST).write_bytes(partner_sample("heuvelland", FIRST))
    (inbox / (SECOND + ".part")).write_bytes(b"<half")
    (inbox / "HVL_20261126073000_0009.xml").write_bytes(b"<!DOCTYPE x []><x/>")

    async with RawWriter(kafka) as writer, sftp_folder(sftp.settings) as folder:
        taker = FileInbox(HEUVELLAND, settings_for(sftp), writer)
        results = await taker.scan(folder)
        (inbox / FIRST).write_bytes(partner_sample("heuvelland", FIRST))  # uploaded again
        again = await taker.scan(folder)

    assert [(r.name, r.outcome) for r in results] == [
        (FIRST, Outcome.STORED),
        ("HVL_20261126073000_0009.xml", Outcome.REJECTED),
    ]
    assert [(r.name, r.outcome) for r in again] == [(FIRST, Outcome.DUPLICATE)]
    (record,) = await read_all(kafka, kafka.topics.raw("heuvelland"))
    assert record.value == partner_sample("heuvelland", FIRST)
    assert dict(record.headers)["kb_origin"] == FIRST.encode()
    assert sorted(p.name for p in inbox.iterdir()) == [SECOND + ".part"]
    processed = sftp.root / "heuvelland" / "processed"
    assert (processed / FIRST).read_bytes() == partner_sample("heuvelland", FIRST)
    assert "outcome: stored" in (processed / (FIRST + ".reason.txt")).read_text()
    assert (
        "outcome: duplicate" in (processed / "HVL_20261126073000_0001.2.xml.reason.txt").read_text()
    )
    rejected = sftp.root / "heuvelland" / "rejected"
    assert "UnsafeMessage" in (rejected / "HVL_20261126073000_0009.xml.reason.txt").read_text()


async def test_the_runner_reconnects_after_the_server_went_away(
    kafka: KafkaSettings, sftp: SftpServer
) -> None:
    inbox = sftp.root / "heuvelland" / "inbox"
    processed = sftp.root / "heuvelland" / "processed"
    stopping = asyncio.Event()
    runner = asyncio.create_task(
        run_file_inbox(HEUVELLAND, settings_for(sftp, poll_seconds=0.05), kafka, stopping)
    )
    try:
        (inbox / FIRST).write_bytes(partner_sample("heuvelland", FIRST))
        await eventually(lambda: (processed / FIRST).exists(), what="first file processed")

        await sftp.stop()  # the server goes away (maintenance, a network cut)
        (inbox / SECOND).write_bytes(partner_sample("heuvelland", SECOND))
        await sftp.start()  # same port, same host key
        await eventually(lambda: (processed / SECOND).exists(), what="second file processed")
    finally:
        stopping.set()
        await runner

    values = [r.value for r in await read_all(kafka, kafka.topics.raw("heuvelland"))]
    assert values == [partner_sample("heuvelland", FIRST), partner_sample("heuvelland", SECOND)]


async def test_a_server_with_another_host_key_is_refused(sftp: SftpServer, tmp_path: Path) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    known_hosts = tmp_path / "other_known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{sftp.port} {other.export_public_key().decode()}")
    wrong = sftp.settings.model_copy(update={"known_hosts": known_hosts})
    with pytest.raises(FolderError, match=r"SFTP connect to 127\.0\.0\.1 failed"):
        async with sftp_folder(wrong):
            pass


async def test_gulpdal_over_sftp_waits_until_the_export_stood_still(
    kafka: KafkaSettings, sftp: SftpServer
) -> None:
    (sftp.root / "gulpdal" / "inbox").mkdir(parents=True)
    name = "gulpdal_werkbonnen_20261126.csv"
    (sftp.root / "gulpdal" / "inbox" / name).write_bytes(partner_sample("gulpdal", name))
    now = [0.0]
    settings = FileInboxSettings(path="/gulpdal/inbox", sftp=sftp.settings)
    async with RawWriter(kafka) as writer, sftp_folder(sftp.settings) as folder:
        taker = FileInbox(GULPDAL, settings, writer, clock=lambda: now[0])
        assert [r.outcome for r in await taker.scan(folder)] == [Outcome.WAITING]
        now[0] += GULPDAL.settle_seconds
        assert [r.outcome for r in await taker.scan(folder)] == [Outcome.STORED]
    (record,) = await read_all(kafka, kafka.topics.raw("gulpdal"))
    assert record.value == partner_sample("gulpdal", name)
    assert dict(record.headers)["kb_content_type"] == b"text/csv"
