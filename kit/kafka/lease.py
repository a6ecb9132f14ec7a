"""A lease on Kafka: one process at a time does a job, and a standby takes over.

For a job that must not run twice at once (reading one inbox folder, polling one
partner's feed), every process that can do it joins one consumer group of its own
on a topic of one partition that nobody writes to. The group's coordinator hands
that partition to one member: the member holding it holds the lease and runs the job;
the others stand by. Kafka's group membership then does the rest:

- a holder that dies (``kill -9``, a machine gone) stops heartbeating, and after
  :data:`SESSION_TIMEOUT_SECONDS` the coordinator gives the partition to a standby,
  which learns it at its next heartbeat (:data:`HEARTBEAT_SECONDS`);
- a holder that stops cleanly leaves the group: a standby gets it at its next heartbeat;
- a process that joins does not take the lease from the holder: the assignor
  (:class:`_KeepWithHolder`) leaves the partition with the member that held it last.

**Sessions.** aiokafka's rebalances are eager: on every change of the group the
holder's partition is revoked first and the group waits (up to
:data:`HANDOVER_TIMEOUT_SECONDS`) until the holder has rejoined. The job runs as a
session, ``session(ended)``, from the assignment until ``ended`` is set; the
revocation sets it and waits for the session to return, so a next holder starts only
after this one stopped at a point of its own choosing (between two files, after a
page). A holder that keeps the lease through a rebalance starts a new session.

**Zombies.** A holder that stalled longer than the session timeout (a paused
process, a heartbeat that could not run) has been replaced without knowing it: its
session goes on until aiokafka's next heartbeat tells it. So before an act that two
holders must not both do, the session calls :meth:`Lease.confirm`: an offset commit
on the lease partition with this member's group generation, which the broker refuses
once the group has moved on (the fencing every consumer's commit gets). What a
session does between a confirm and its act is not fenced by the lease; a job that
cannot bear that has a fence of its own (the poller: its transactional id).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.protocol import (
    ConsumerProtocolMemberAssignment,
    ConsumerProtocolMemberMetadata,
)
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from contracts.kafka import KafkaSettings
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

SESSION_TIMEOUT_SECONDS = 10.0
"""How long a holder may go without a heartbeat before the coordinator gives its lease
to a standby: the time a ``kill -9`` leaves a job undone. Kafka's own default; shorter
makes a hand-over after a pause (a long GC, a VM migrating) more likely."""

HEARTBEAT_SECONDS = 1.0
"""How often every member tells the coordinator it lives, and so learns of a rebalance:
the time a clean stop leaves a job undone."""

HANDOVER_TIMEOUT_SECONDS = 60.0
"""How long a rebalance waits for the holder to end its session (a file being stored,
a page being fetched and committed) before the coordinator drops it from the group."""

CONFIRM_TIMEOUT_SECONDS = 5.0
"""A confirm that gets no answer in this time is no confirmation (Kafka away)."""

POLL_SECONDS = 0.5
"""How often the membership loop polls (aiokafka leaves a group it is not polled for)."""

Session = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""The job: runs until the event is set (the lease was revoked or the process stops)."""


def holder_name() -> str:
    """Who holds a lease, for the standbys' log line: this machine and process."""
    return f"{socket.gethostname()} pid {os.getpid()}"


class Lease:
    """One member of a lease group: runs ``session`` whenever this process holds it."""

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        topic: str,
        group: str,
        what: str,
        client: str,
        name: str | None = None,
    ) -> None:
        self._kafka = kafka
        self.topic = topic
        self.group = group
        self.what = what
        self._client = client
        self.name = name or holder_name()
        self._partition = TopicPartition(topic, 0)
        self._assignor = _KeepWithHolder(self.name)
        self._consumer: AIOKafkaConsumer | None = None
        self._session: Session | None = None
        self._task: asyncio.Task[None] | None = None
        self._ended = asyncio.Event()
        self._failure: BaseException | None = None
        self._standby_for: str | None = None
        self._unconfirmed = False
        self.sessions = 0
        """How many sessions this process started (for tests and ops)."""

    @property
    def holding(self) -> bool:
        """Whether a session of this process runs (it holds the lease, as far as it knows)."""
        return self._task is not None and not self._ended.is_set()

    async def run(self, stopping: asyncio.Event, session: Session) -> None:
        """Be a member of the lease group until ``stopping`` is set, running ``session``
        while this process holds the lease; an exception of the session ends it."""
        self._session = session
        single = self._kafka.model_copy(update={"partitions": 1})
        await ensure_topics(single, [self.topic])
        await wait_until_usable(self._kafka, [self.topic], group_id=self.group)
        consumer = clients.consumer(
            self._kafka,
            client=self._client,
            group_id=self.group,
            partition_assignment_strategy=(self._assignor,),
            session_timeout_ms=int(SESSION_TIMEOUT_SECONDS * 1000),
            heartbeat_interval_ms=int(HEARTBEAT_SECONDS * 1000),
            rebalance_timeout_ms=int(HANDOVER_TIMEOUT_SECONDS * 1000),
        )
        consumer.subscribe([self.topic], listener=_Listener(self))
        self._consumer = consumer
        await consumer.start()
        try:
            while not stopping.is_set() and self._failure is None:
                try:
                    # Nothing is ever written to the topic: polling keeps the membership.
                    await consumer.getmany(timeout_ms=int(POLL_SECONDS * 1000))
                except KafkaError as exc:
                    log.warning("lease of %s: %s", self.what, type(exc).__name__)
                    await _wait(stopping, SESSION_TIMEOUT_SECONDS / 2)
                self._note_failed_session()
        finally:
            held = self.holding
            await self._end_session()
            # Leaves the group: a standby is assigned the lease at its next heartbeat.
            await consumer.stop()
            self._consumer = None
            if held:
                log.info("released %s: a standby takes it over", self.what)
        if self._failure is not None:
            raise self._failure

    async def confirm(self) -> bool:
        """Whether the group still sees this process as the holder, asked of the broker
        (an offset commit with this member's generation): False for a zombie, and
        while Kafka does not answer. Call it before each act the next holder must not
        repeat; act only on True."""
        consumer = self._consumer
        if consumer is None or not self.holding:
            return False
        try:
            async with asyncio.timeout(CONFIRM_TIMEOUT_SECONDS):
                # Offset 0 of an empty partition; the metadata says who confirmed.
                await consumer.commit({self._partition: (0, self.name)})
        except (CommitFailedError, IllegalStateError) as exc:
            self._not_confirmed("this process no longer holds its lease", exc)
            return False
        except (KafkaError, TimeoutError) as exc:
            self._not_confirmed("its lease cannot be confirmed now", exc)
            return False
        if self._unconfirmed:
            self._unconfirmed = False
            log.info("%s: its lease is confirmed again", self.what)
        return True

    def _not_confirmed(self, why: str, exc: BaseException) -> None:
        if not self._unconfirmed:  # once per spell, not once per file
            self._unconfirmed = True
            log.warning("%s: %s (%s); not acting", self.what, why, type(exc).__name__)

    def _note_failed_session(self) -> None:
        """A session that raised ends the run. One that returned by itself (its job
        stopped for a reason it logged, e.g. refused credentials) keeps the lease: a
        standby with the same configuration would stop the same way."""
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            failure = task.exception()
            if failure is not None:
                self._failure = failure

    def _assigned(self, assigned: set[TopicPartition]) -> None:
        held = self._partition in assigned
        self._assignor.held(held)
        if not held:
            holder = self._assignor.holder or "another process"
            if holder != self._standby_for:  # one line per holder, not per rebalance
                self._standby_for = holder
                log.info("standby for %s: %s holds it", self.what, holder)
            return
        self._standby_for = None
        if self._failure is not None:
            return  # the run ends with the last session's failure: no new session
        assert self._session is not None
        self._ended = asyncio.Event()
        self._unconfirmed = False
        self._task = asyncio.create_task(self._session(self._ended), name=f"lease {self.what}")
        self.sessions += 1
        # Every session says so: one kept through a rebalance (a member joined or left)
        # cannot be told from one taken back after another process held the lease.
        log.info("active for %s: this process (%s) holds its lease", self.what, self.name)

    async def _end_session(self) -> None:
        """Stop the session and wait until it returned (revoked, or stopping)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._ended.set()
        try:
            # Shielded: a consumer stopping while this waits must not cut a session short.
            await asyncio.shield(task)
        except Exception as exc:  # the session's own failure ends the lease's run
            self._failure = exc
        log.debug("%s: session ended", self.what)


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, lease: Lease) -> None:
        self._lease = lease

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # aiokafka logs and swallows an exception here; _end_session raises none.
        await self._lease._end_session()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._lease._assigned(set(assigned))


class _KeepWithHolder:
    """The assignor: every partition to one member, the one that held the lease last.

    Each member says in its join metadata who it is and when it was last assigned the
    lease (None: it stood by). The group's leader gives the lease to the member with
    the latest such time: the holder, which was re-assigned at every rebalance, keeps
    it; a zombie rejoining with an older time does not take it back. Nobody holding
    it (a first start, the holder gone): the member with the lowest id. Every member's
    assignment names the holder, for the standbys' log line.

    An instance per consumer, not aiokafka's class-level state (its sticky assignor
    keeps one state per class: the leases of one process would share it).
    """

    name = "ketenbus-lease"
    version = 0

    def __init__(self, member: str) -> None:
        self.member = member
        self.held_at: int | None = None  # ms since the epoch, when it was last assigned
        self.holder: str | None = None  # as the last assignment named it

    def held(self, held: bool) -> None:
        self.held_at = int(time.time() * 1000) if held else None

    def metadata(self, topics: Iterable[str]) -> ConsumerProtocolMemberMetadata:
        claim = json.dumps({"member": self.member, "held_at": self.held_at}).encode()
        return ConsumerProtocolMemberMetadata(self.version, list(topics), claim)

    def assign(
        self, cluster: Any, members: Mapping[str, ConsumerProtocolMemberMetadata]
    ) -> dict[str, ConsumerProtocolMemberAssignment]:
        claims = {member_id: _claim(metadata.user_data) for member_id, metadata in members.items()}
        holder = choose_holder({member_id: claim[1] for member_id, claim in claims.items()})
        topics = sorted({topic for member in members.values() for topic in member.subscription})
        partitions = [(name, sorted(cluster.partitions_for_topic(name) or ())) for name in topics]
        named = json.dumps({"holder": claims[holder][0]}).encode()
        return {
            member_id: ConsumerProtocolMemberAssignment(
                self.version, partitions if member_id == holder else [], named
            )
            for member_id in members
        }

    def on_assignment(self, assignment: ConsumerProtocolMemberAssignment) -> None:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            holder = json.loads(assignment.user_data).get("holder")
            self.holder = holder if isinstance(holder, str) else None


def choose_holder(held_at: Mapping[str, int | None]) -> str:
    """The member to hold the lease: the one assigned it most recently, else the lowest id."""
    claims = {member: at for member, at in held_at.items() if at is not None}
    if claims:
        return max(sorted(claims), key=lambda member: claims[member])
    return min(held_at)


def _claim(user_data: bytes) -> tuple[str, int | None]:
    """(who, when last assigned) from a member's metadata; an unreadable claim is none."""
    try:
        claim = json.loads(user_data)
        member, held_at = claim.get("member"), claim.get("held_at")
    except (ValueError, TypeError, AttributeError):
        return "another process", None
    return (
        member if isinstance(member, str) else "another process",
        held_at if isinstance(held_at, int) else None,
    )


async def _wait(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()
