"""Two ``ketenbus ingress`` processes with the same configuration: one holds each pull
channel's lease, the other stands by and takes over (issue I, "every stage scales out").

Real processes on the real broker: Heuvelland's inbox is a folder that keeps getting
files, Roerdal's feed is its simulator (in this test's event loop) that keeps getting
pages. What lands on the raw topics is the proof: every file and every mutatie once,
the feed without a gap, however the holder goes (``kill -9``, SIGTERM, paused).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contracts.kafka import KafkaSettings
from devkit.partner_simulators import PartnerSimulators, RoerdalSimulator
from kit.kafka.lease import HEARTBEAT_SECONDS, SESSION_TIMEOUT_SECONDS
from tests.kafka_helpers import read_records
from tests.processes.helpers import KetenbusProcess, ketenbus, logged, stopped, write_config
from tests.samples import partner_sample

pytestmark = pytest.mark.kafka

INBOX, FEED = "heuvelland inbox", "roerdal feed"
STARTING = 90.0  # a process's start on the shared machine: Python, Kafka, the groups
TAKE_OVER_AFTER_KILL = SESSION_TIMEOUT_SECONDS + 5  # docs/channels/file-inbox.md
TAKE_OVER_AFTER_STOP = 3 * HEARTBEAT_SECONDS + 2
ORDER = "WL-2026-004713"  # every mutatie of one order: one partition, so one order
SAMPLE = partner_sample("heuvelland", "HVL_20261126073000_0001.xml")


def active(what: str) -> str:
    return f"active for {what}: this process"


def standby(what: str, holder: KetenbusProcess) -> str:
    return f"standby for {what}: {os.uname().nodename} pid {holder.popen.pid} holds it"


@dataclass
class Partners:
    """Heuvelland's inbox and Roerdal's feed, fed while the test runs."""

    directory: Path
    roerdal: RoerdalSimulator
    files: list[str] = field(default_factory=list)
    mutaties: list[int] = field(default_factory=list)

    @property
    def inbox(self) -> Path:
        return self.directory / "inbox"

    @property
    def processed(self) -> Path:
        return self.directory / "processed"

    def drop_file(self) -> None:
        """One more Heuvelland batch, uploaded as .part and renamed (as Heuvelland does);
        each with a Bericht id of its own, so no two have the same content."""
        number = len(self.files) + 1
        name = f"HVL_20261126073000_{number:04d}.xml"
        body = SAMPLE.replace(b'id="HB-77812"', f'id="HB-9{number:05d}"'.encode())
        part = self.inbox / f"{name}.part"
        part.write_bytes(body)
        part.rename(self.inbox / name)
        self.files.append(name)

    def add_page(self) -> None:
        """One more page of two mutaties of one order on Roerdal's feed."""
        first = 500_000 + len(self.mutaties) + 1
        page = [
            {
                "id": mutatie,
                "werkbon": "R-55120",
                "opdracht": ORDER,
                "soort": "status",
                "wanneer": "2026-11-26 08:12:44",
                "status": "ACC",
            }
            for mutatie in (first, first + 1)
        ]
        self.roerdal.add_mutaties(page, cursor=f"c{first + 1}")
        self.mutaties += [first, first + 1]

    def taken(self) -> int:
        return sum(1 for name in self.files if (self.processed / name).exists())

    async def waiting_for(self, files: int, *, within: float) -> None:
        """Until ``files`` more of the files dropped so far were moved to processed/."""
        wanted = self.taken() + files
        async with asyncio.timeout(within):
            while self.taken() < min(wanted, len(self.files)):  # noqa: ASYNC110 - a folder
                await asyncio.sleep(0.05)

    @contextlib.asynccontextmanager
    async def feeding(self, every: float = 0.25) -> AsyncIterator[None]:
        """A file and a page every ``every`` seconds, until the block ends."""

        async def feed() -> None:
            while True:
                self.drop_file()
                self.add_page()
                await asyncio.sleep(every)

        task = asyncio.create_task(feed())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def partners(tmp_path: Path) -> AsyncIterator[tuple[Partners, PartnerSimulators]]:
    roerdal = RoerdalSimulator(rate_limit=100_000)
    async with PartnerSimulators(roerdal) as sims:
        yield Partners(tmp_path, roerdal), sims


def config_for(tmp_path: Path, kafka: KafkaSettings, sims: PartnerSimulators) -> Path:
    config = write_config(tmp_path, kafka, heuvelland=True)
    config.write_text(
        config.read_text()
        + f"""
[partners.roerdal]
api_base_url = "{sims.roerdal_url}"
client_id = "{sims.roerdal.client_id}"
poll_interval_seconds = 0.2
page_size = 50
timeout_seconds = 5
max_requests = 100000
[partners.roerdal.backoff]
first_wait = 0.1
max_wait = 1
"""
    )
    return config


@contextmanager
def ingress(config: Path, tmp_path: Path, name: str) -> Iterator[KetenbusProcess]:
    secret = {"KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET": RoerdalSimulator.client_secret}
    with ketenbus("ingress", config, tmp_path, name=name, env=secret) as process:
        yield process


async def took(process: KetenbusProcess, fragment: str, since: float, *, within: float) -> float:
    """Seconds from ``since`` until ``process`` logged ``fragment``."""
    await logged(process, fragment, within=within)
    return time.monotonic() - since


async def everything_landed(kafka: KafkaSettings, fed: Partners) -> tuple[Counter[str], list[int]]:
    """Once every file was moved out of the inbox: the file names on Heuvelland's raw
    topic (how often each), and the mutatie ids on Roerdal's, in their order."""
    async with asyncio.timeout(60):
        while fed.taken() < len(fed.files):  # noqa: ASYNC110 - a folder
            await asyncio.sleep(0.05)
    assert sorted(path.name for path in fed.inbox.iterdir()) == []
    assert sorted(path.name for path in fed.processed.glob("HVL_*.xml")) == sorted(fed.files)
    files = await read_records(kafka, kafka.topics.raw("heuvelland"), len(fed.files))
    mutaties = await read_records(kafka, kafka.topics.raw("roerdal"), len(fed.mutaties))
    return (
        Counter(dict(record.headers)["kb_origin"].decode() for record in files),
        [int(dict(record.headers)["kb_origin"]) for record in mutaties],
    )


async def test_a_standby_takes_over_when_the_holder_is_killed_and_at_once_when_it_stops(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    async with partners(tmp_path) as (fed, sims):
        config = config_for(tmp_path, kafka, sims)
        with ExitStack() as processes:
            first = processes.enter_context(ingress(config, tmp_path, "first"))
            await logged(first, active(INBOX), within=STARTING)
            await logged(first, active(FEED), within=STARTING)
            second = processes.enter_context(ingress(config, tmp_path, "second"))
            await logged(second, standby(INBOX, first), within=STARTING)
            await logged(second, standby(FEED, first), within=STARTING)

            async with fed.feeding():
                await fed.waiting_for(4, within=30)
                assert "outcome=stored" not in second.text()

                first.popen.kill()  # kill -9, while files and pages keep coming
                killed = time.monotonic()
                first.popen.wait()
                inbox_after_kill = await took(second, active(INBOX), killed, within=60)
                feed_after_kill = await took(second, active(FEED), killed, within=60)
                await fed.waiting_for(4, within=30)

                # The killed one, restarted, stands by: the lease stays with its holder.
                restarted = processes.enter_context(ingress(config, tmp_path, "restarted"))
                await logged(restarted, standby(INBOX, second), within=STARTING)
                await logged(restarted, standby(FEED, second), within=STARTING)
                await fed.waiting_for(2, within=30)

                terminated = time.monotonic()
                assert await stopped(second) == 0  # SIGTERM: it leaves the groups
                inbox_after_stop = await took(restarted, active(INBOX), terminated, within=30)
                feed_after_stop = await took(restarted, active(FEED), terminated, within=30)
                await fed.waiting_for(4, within=30)

            files, mutaties = await everything_landed(kafka, fed)
            assert await stopped(restarted) == 0

    print(
        f"taken over after kill -9: inbox {inbox_after_kill:.1f} s, feed {feed_after_kill:.1f} s;"
        f" after SIGTERM: inbox {inbox_after_stop:.1f} s, feed {feed_after_stop:.1f} s;"
        f" {len(fed.files)} files, {len(fed.mutaties)} mutaties"
    )
    assert max(inbox_after_kill, feed_after_kill) <= TAKE_OVER_AFTER_KILL
    assert max(inbox_after_stop, feed_after_stop) <= TAKE_OVER_AFTER_STOP
    for log in (second, restarted):
        assert "Traceback" not in log.text()
    # Every file once; at most the one being stored when the holder was killed twice
    # (stored, killed before its marker was written: the next holder stores it again).
    assert set(files) == set(fed.files)
    assert sum(files.values()) - len(fed.files) <= 1, files.most_common(3)
    # The feed: every mutatie once and in order, across the kill and the stop (the killed
    # holder's open transaction is aborted by the next holder's producer).
    assert mutaties == fed.mutaties


async def test_a_paused_holder_that_comes_back_writes_nothing_and_stands_by(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    """The zombie: the holder is paused (SIGSTOP) past the session timeout, the standby
    takes over, and the paused one is woken (SIGCONT) with files in the inbox and pages
    on the feed while the new holder is paused in turn: it must store nothing (its
    lease confirm is refused), fetch-and-commit nothing (its producer was fenced), and
    take over properly once the second one's session has expired too."""
    async with partners(tmp_path) as (fed, sims):
        config = config_for(tmp_path, kafka, sims)
        with ExitStack() as processes:
            first = processes.enter_context(ingress(config, tmp_path, "first"))
            await logged(first, active(INBOX), within=STARTING)
            await logged(first, active(FEED), within=STARTING)
            second = processes.enter_context(ingress(config, tmp_path, "second"))
            await logged(second, standby(INBOX, first), within=STARTING)
            await logged(second, standby(FEED, first), within=STARTING)
            for _ in range(3):
                fed.drop_file()
                fed.add_page()
            await fed.waiting_for(3, within=30)
            await read_records(kafka, kafka.topics.raw("roerdal"), len(fed.mutaties))

            first.popen.send_signal(signal.SIGSTOP)  # idle: all it was given is stored
            try:
                await logged(second, active(INBOX), within=TAKE_OVER_AFTER_KILL + 10)
                await logged(second, active(FEED), within=TAKE_OVER_AFTER_KILL + 10)
                for _ in range(3):
                    fed.drop_file()
                    fed.add_page()
                await fed.waiting_for(3, within=30)
                await read_records(kafka, kafka.topics.raw("roerdal"), len(fed.mutaties))

                second.popen.send_signal(signal.SIGSTOP)
                for _ in range(3):  # for the zombie to find when it wakes
                    fed.drop_file()
                    fed.add_page()
                woken = len(first.text())
            finally:
                first.popen.send_signal(signal.SIGCONT)
            try:
                await logged(first, active(INBOX), within=TAKE_OVER_AFTER_KILL + 20, since=woken)
                await logged(first, active(FEED), within=TAKE_OVER_AFTER_KILL + 20, since=woken)
                files, mutaties = await everything_landed(kafka, fed)
            finally:
                second_woken = len(second.text())
                second.popen.send_signal(signal.SIGCONT)
            await logged(second, standby(INBOX, first), within=30, since=second_woken)
            await logged(second, standby(FEED, first), within=30, since=second_woken)
            assert await stopped(first) == 0
            assert await stopped(second) == 0

    after_waking = first.text()[woken:]
    zombie = after_waking[: after_waking.index(active(INBOX))]
    assert "outcome=stored" not in zombie, zombie
    assert "outcome=stored" not in second.text()[second_woken:]
    assert "Traceback" not in first.text() + second.text()
    assert Counter(files.values()) == Counter({1: len(fed.files)}), files
    assert mutaties == fed.mutaties
