"""The lease on Kafka (kit/kafka/lease.py): one holder, kept through rebalances, handed
over when the holder stops; the assignor on its own, and the leases on the real broker.

Processes that die or pause (``kill -9``, a zombie) are in
tests/processes/test_ingress_lease.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata

from contracts import KafkaSettings
from kit.kafka.lease import HEARTBEAT_SECONDS, Lease, _KeepWithHolder, choose_holder


def test_the_member_assigned_last_holds_it_and_nobody_holding_it_gives_the_lowest_id() -> None:
    assert choose_holder({"m-2": 1000, "m-1": None, "m-3": 2000}) == "m-3"
    assert choose_holder({"m-2": None, "m-1": None}) == "m-1"
    assert choose_holder({"m-2": 1000, "m-1": 1000}) == "m-1"


class _Cluster:
    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}


def _join(assignors: dict[str, _KeepWithHolder]) -> dict[str, list[int]]:
    """One rebalance: every member's join metadata to the leader's assignment and back."""
    members = {
        member_id: ConsumerProtocolMemberMetadata.decode(assignor.metadata(["lease"]).encode())
        for member_id, assignor in assignors.items()
    }
    assignment = assignors[min(assignors)].assign(_Cluster(), members)
    partitions = {}
    for member_id, assignor in assignors.items():
        assignor.on_assignment(assignment[member_id])
        partitions[member_id] = [tp.partition for tp in assignment[member_id].partitions()]
        assignor.held(bool(partitions[member_id]))
    return partitions


def test_a_joining_member_does_not_take_the_lease_and_a_zombie_does_not_take_it_back() -> None:
    first, second, third = (_KeepWithHolder(name) for name in ("host-b pid 1", "a", "c"))
    assert _join({"m-b": first}) == {"m-b": [0]}
    # "m-a" sorts first, and is the group's leader: the lease stays with its holder.
    assert _join({"m-b": first, "m-a": second}) == {"m-b": [0], "m-a": []}
    assert second.holder == "host-b pid 1"
    # The holder paused and was dropped: the standby holds it now.
    assert _join({"m-a": second}) == {"m-a": [0]}
    time.sleep(0.002)  # a later assignment than the zombie's (ms resolution)
    assert _join({"m-a": second}) == {"m-a": [0]}
    # The zombie rejoins still claiming the lease (an older assignment), and a newcomer.
    assert _join({"m-b": first, "m-a": second, "m-c": third}) == {
        "m-b": [],
        "m-a": [0],
        "m-c": [],
    }
    assert first.holder == third.holder == "a"


@dataclass
class Member:
    lease: Lease
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Queue[float] = field(default_factory=asyncio.Queue)
    running: int = 0
    task: asyncio.Task[None] | None = None

    async def session(self, ended: asyncio.Event) -> None:
        self.running += 1
        self.started.put_nowait(time.monotonic())
        try:
            await ended.wait()
        finally:
            self.running -= 1

    async def next_session(self, within: float) -> float:
        async with asyncio.timeout(within):
            return await self.started.get()


@contextlib.asynccontextmanager
async def members(kafka: KafkaSettings, *names: str) -> AsyncIterator[list[Member]]:
    """A lease member per name, each with a session that runs until it is ended."""
    started = [
        Member(
            Lease(
                kafka,
                topic=kafka.topics.lease("test"),
                group=f"{kafka.topic_prefix}lease-test",
                what="the test job",
                client="lease-test",
                name=name,
            )
        )
        for name in names
    ]
    try:
        yield started
    finally:
        for member in started:
            member.stopping.set()
        for member in started:
            if member.task is not None:
                with contextlib.suppress(Exception):
                    await member.task


async def logged(caplog: pytest.LogCaptureFixture, text: str, *, within: float) -> None:
    """Wait until ``text`` was logged (each rebalance ends on every member on its own)."""
    async with asyncio.timeout(within):
        while text not in caplog.text:  # noqa: ASYNC110 - a log offers no event
            await asyncio.sleep(0.05)


def start(member: Member) -> None:
    member.task = asyncio.create_task(member.lease.run(member.stopping, member.session))


@pytest.mark.kafka
async def test_one_holder_a_joiner_stands_by_and_a_clean_stop_hands_over_at_once(
    kafka: KafkaSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="kit.kafka.lease")
    async with members(kafka, "first", "second") as (first, second):
        start(first)
        await first.next_session(within=60)
        assert await first.lease.confirm()

        start(second)
        # The rebalance gives the holder a new session; the joiner gets none.
        await first.next_session(within=30)
        await logged(caplog, "standby for the test job: first holds it", within=10)
        assert first.running == 1
        assert second.running == 0
        assert await first.lease.confirm()
        assert not await second.lease.confirm()

        stopped = time.monotonic()
        first.stopping.set()
        assert first.task is not None
        await first.task
        took_over = await second.next_session(within=30) - stopped
        assert first.running == 0
        assert second.running == 1
        assert await second.lease.confirm()
        assert took_over < 3 * HEARTBEAT_SECONDS + 2, took_over
    assert "released the test job: a standby takes it over" in caplog.text


@pytest.mark.kafka
async def test_a_session_that_fails_ends_the_run_with_its_error(kafka: KafkaSettings) -> None:
    lease = Lease(
        kafka,
        topic=kafka.topics.lease("test"),
        group=f"{kafka.topic_prefix}lease-test",
        what="the test job",
        client="lease-test",
    )

    async def session(ended: asyncio.Event) -> None:
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError, match="the job broke"):
        async with asyncio.timeout(60):
            await lease.run(asyncio.Event(), session)
