"""The engine of every stage that delivers to a system outside Kafka, then commits.

The router's workers (one per VERA destination) and the outbound workers (one per
partner) read canonical facts and hand each to a system over HTTP or as a file. The
stage supplies what one record means (:class:`Handle`: decode, route, entitle, call);
this engine does the rest, the same for all of them:

* **Order per order.** Facts of one order (one Kafka key of one partition) go one
  after the other, in offset order; different orders go in parallel, at most
  ``concurrency`` at a time. Exactly ``concurrency`` long-lived *lanes* (tasks) do the
  delivering: each takes the next ready order (one with pending facts that no lane
  holds) from a queue, delivers its next fact and then takes the next ready order, so
  the orders take turns fact by fact. Not a task per order behind a semaphore: with up
  to ``max_pending`` orders waiting, every call would cost a hand-off between tasks,
  which measured a third slower against a fast system (docs/performance.md).
* **Retries behind a circuit breaker** (:meth:`LaneEngine.deliver`): passing faults
  are retried by the stage's policy (``kit.delivery.retry``); a budget spent on the
  system's state (down, rate limited, breaker open) waits for the system instead of
  parking the fact; permanent faults and a budget spent on a fact's own trouble park
  it as a dead letter (:meth:`LaneEngine.park`); a credential fault stops the stage
  loudly, because it is not a message problem.
* **Flow control.** The consumer keeps polling while facts are being delivered (a fact
  may wait an hour for a maintenance window to end; Kafka would otherwise think the
  consumer dead). It pauses a partition when too many of its records are pending, and
  every partition while the breaker is not closed; it resumes when they drain and the
  system is back.
* **Commits** only past records that are finished: delivered, skipped, withheld or
  parked (``kit.delivery.offsets``). A crash delivers the unfinished ones again after
  restart; they carry the same Referentienummer (or file name), so the system does
  each once. Any number of instances share a group's partitions: at-least-once
  delivery needs no fencing, the receiving system's idempotency does the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts import CanonicalEvent, KafkaSettings
from kit.delivery.breaker import BreakerOpen, BreakerSettings, CircuitBreaker
from kit.delivery.errors import CredentialFault, DeliveryError, PassingFault, RateLimited
from kit.delivery.offsets import PartitionOffsets
from kit.delivery.retry import RetryPolicy
from kit.engine.dead_letters import dead_letter
from kit.engine.outcomes import COUNTED_AS, DeadLettered, Outcome
from kit.engine.stage import Rebalances, StageStats
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.transactions import committed_reader

log = logging.getLogger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
Key = tuple[TopicPartition, bytes | None]


class Handle(Protocol):
    """A stage's work on one record: decide, and deliver through the engine."""

    async def __call__(self, record: Record, /) -> Outcome: ...


Hook = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    pass


class DeliveryStopped(RuntimeError):
    """A system refused ketenbus's credentials (or the stage failed); it stopped."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason
        """What ops must fix, in a few words (never a fact's content)."""


@dataclass(eq=False)
class _Lane:
    """One of the ``concurrency`` long-lived delivery tasks, and the order it holds."""

    task: asyncio.Task[None] | None = None
    key: Key | None = None
    """The order it is delivering (or, after a fault, held back), None while it looks
    for one."""
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by ``_dispatch`` when a new order is ready while this lane is idle."""


class LaneEngine:
    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        stage: str,
        target: str,
        group_id: str,
        inputs: Sequence[str],
        deadletter_topic: str,
        parks_as: str,
        handle: Handle,
        policy: RetryPolicy,
        breaker: BreakerSettings | None = None,
        select: Callable[[Record], bool] | None = None,
        on_assigned: Hook = _nothing,
        before_commit: Hook = _nothing,
        concurrency: int = 8,
        max_pending: int = 1000,
        poll_ms: int = 100,
    ) -> None:
        self._kafka = kafka
        self.stage = stage
        self.target = target
        """Who it delivers to, as ops says it (``onderhoud``, ``partner maasdal``)."""
        self.group_id = group_id
        self.inputs = list(inputs)
        """The topics it reads (subscribed at start)."""
        self.deadletter_topic = deadletter_topic
        self._parks_as = parks_as
        """The stage its dead letters name (the destination, ``outbound-<partner>``)."""
        self._handle = handle
        self._policy = policy
        self.breaker = CircuitBreaker(target, breaker or BreakerSettings())
        self._select = select
        self._on_assigned = on_assigned
        self._before_commit = before_commit
        self._concurrency = concurrency
        self._max_pending = max_pending
        self._max_records = max(100, concurrency * 50)
        self._poll_ms = poll_ms
        self.stats = StageStats(stage)
        self._orders: dict[Key, deque[Record]] = {}
        """The pending records of each order, in offset order; an order is here from its
        first pending record until its last is finished."""
        self._queue: deque[Key] = deque()
        """The ready orders: pending records and no lane holds them; the next goes first."""
        self._lanes: list[_Lane] = []
        self._idle: deque[_Lane] = deque()
        """Lanes waiting for a ready order, the longest waiting first."""
        self._offsets: dict[TopicPartition, PartitionOffsets] = {}
        self._stopped_by: BaseException | None = None
        self._ready = asyncio.Event()
        """Set once the stage's state is loaded for the current assignment: aiokafka may
        hand out records while the assignment callback is still loading it."""
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError(f"{self.stage} is not started")
        return self._consumer

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        await wait_until_usable(
            self._kafka, [*self.inputs, self.deadletter_topic], group_id=self.group_id
        )
        self._producer = clients.producer(self._kafka, self.stage)
        self._consumer = committed_reader(self._kafka, group_id=self.group_id, client=self.stage)
        await self._producer.start()
        await self._consumer.start()
        self._consumer.subscribe(self.inputs, listener=Rebalances(self._revoked, self._assigned))
        self._lanes = [self._new_lane() for _ in range(self._concurrency)]

    async def stop(self) -> None:
        """Stop delivering: unfinished facts stay uncommitted and come again after restart."""
        lanes, self._lanes = self._lanes, []
        for lane in lanes:
            if lane.task is not None:
                lane.task.cancel()
        await asyncio.gather(*(lane.task for lane in lanes if lane.task), return_exceptions=True)
        self._orders.clear()
        self._queue.clear()
        self._idle.clear()
        try:
            if self._consumer is not None:
                with contextlib.suppress(Exception):  # best effort: a restart redelivers
                    await self._commit()
                await self._consumer.stop()
        finally:
            if self._producer is not None:
                await self._producer.stop()
            self._consumer = self._producer = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set, or until the system refuses our credentials."""
        try:
            await self.start()
            while not stopping.is_set():
                await self.step()
        finally:
            await self.stop()

    async def step(self) -> int:
        """Poll once, hand the records to their lanes, pause or resume, commit what is done."""
        self._raise_if_stopped()
        consumer = self.consumer
        batch = await consumer.getmany(timeout_ms=self._poll_ms, max_records=self._max_records)
        assigned = consumer.assignment()
        for tp, records in batch.items():
            if tp not in assigned:
                continue  # revoked while fetching: its new owner reads it from the commit
            for record in records:
                self._dispatch(tp, record)
        self._flow_control()
        await self._commit()
        self._raise_if_stopped()
        return sum(len(records) for records in batch.values())

    # -- delivering one record (for the stage's handle) -------------------------------

    async def deliver(
        self,
        record: Record,
        send: Callable[[], Awaitable[Outcome]],
        *,
        keep: CanonicalEvent | None,
        partner: str = "",
    ) -> Outcome:
        """``send`` with retries behind the breaker; the fact is parked (with ``keep``,
        the view the stage may show) when it is the fact's own trouble."""
        attempts = 0
        while True:
            await self.breaker.admit()
            try:
                async for attempt in self._policy.retrying(stop_when=self._breaker_open):
                    with attempt:
                        if attempt.retry_state.attempt_number > 1 and not self.breaker.closed:
                            raise BreakerOpen
                        attempts += 1
                        self.stats.attempts += 1
                        async with self.breaker.guard():
                            return await send()
            except BreakerOpen:
                continue
            except CredentialFault:
                raise
            except PassingFault as fault:
                if fault.system_down or isinstance(fault, RateLimited) or not self.breaker.closed:
                    # The budget went on the system's state, not on this fact: wait for it.
                    self.breaker.trip()
                    continue
                return await self.park(record, fault, keep=keep, attempts=attempts, partner=partner)
            except DeliveryError as exc:
                return await self.park(record, exc, keep=keep, attempts=attempts, partner=partner)
            raise AssertionError("unreachable: tenacity either returns or re-raises")

    async def park(
        self,
        record: Record,
        exc: Exception,
        *,
        keep: CanonicalEvent | Literal["original"] | None,
        attempts: int,
        partner: str = "",
    ) -> DeadLettered:
        """Park ``record`` on the stage's dead-letter topic, with what ops needs."""
        assert self._producer is not None
        parked = dead_letter(
            record,
            exc,
            stage=self._parks_as,
            keep=keep,
            destination=self.target,
            attempts=attempts,
            partner=partner,
        )
        await self._producer.send_and_wait(
            self.deadletter_topic, parked.value, key=parked.key, headers=list(parked.headers)
        )
        log.warning(
            "dead letter for %s: %s %d/%d event %s: %s",
            self.target,
            record.topic,
            record.partition,
            record.offset,
            keep.id if isinstance(keep, CanonicalEvent) else "?",
            type(exc).__name__,
        )
        return DeadLettered(f"{type(exc).__name__}: {exc}")

    def _breaker_open(self) -> bool:
        return not self.breaker.closed

    # -- lanes -----------------------------------------------------------------------

    def _dispatch(self, tp: TopicPartition, record: Record) -> None:
        """Queue a record behind its order's others; a new order is ready for a lane."""
        offsets = self._offsets.setdefault(tp, PartitionOffsets())
        offsets.fetched(record.offset)
        if self._select is not None and not self._select(record):
            offsets.finished(record.offset)  # not for this stage: passed over at once
            self.stats.outcomes["passed_over"] += 1
            return
        key = (tp, record.key)
        records = self._orders.get(key)
        if records is not None:
            records.append(record)  # the order is held by a lane or already queued
            return
        self._orders[key] = deque((record,))
        self._queue.append(key)
        if self._idle:
            self._idle.popleft().wake.set()

    def _new_lane(self) -> _Lane:
        lane = _Lane()
        lane.task = asyncio.create_task(self._run_lane(lane))
        return lane

    async def _run_lane(self, lane: _Lane) -> None:
        """Deliver ready orders, one fact at a time each, until cancelled or a fault."""
        try:
            key: Key | None = None
            while True:
                if key is None:
                    key = await self._take(lane)
                records = self._orders[key]
                record = records[0]
                await self._ready.wait()
                outcome = await self._handle(record)
                if self._orders.get(key) is not records:
                    key = lane.key = None  # dropped meanwhile (a rebalance): not ours now
                    continue
                records.popleft()
                self.stats.records += 1
                counted = COUNTED_AS[type(outcome)]
                self.stats.outcomes[counted] += 1
                # Where and what, never the fact: its outcome's text may name an order.
                log.debug("%s: %s-%d offset %d %s", self.stage, *key[0], record.offset, counted)
                self._offsets[key[0]].finished(record.offset)
                key = self._next_turn(lane, key, records)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a credential fault, or a bug: stop, loudly, lose nothing
            # The lane ends still holding its order: nothing more of it goes out.
            if self._stopped_by is None:
                self._stopped_by = exc

    async def _take(self, lane: _Lane) -> Key:
        """The next ready order, held by this lane from now on; waits while there is none."""
        lane.key = None
        while not self._queue:
            lane.wake.clear()
            self._idle.append(lane)
            try:
                await lane.wake.wait()
            except asyncio.CancelledError:
                if lane in self._idle:
                    self._idle.remove(lane)
                raise
        key = lane.key = self._queue.popleft()
        return key

    def _next_turn(self, lane: _Lane, key: Key, records: deque[Record]) -> Key | None:
        """After one fact of an order: the order to go on with, or None to take the next.

        An order with more records goes on if no other order is ready, else it queues
        behind them (the queue's length stays the same, so no idle lane needs waking)."""
        if not records:
            del self._orders[key]
            lane.key = None
            return None
        if not self._queue:
            return key
        self._queue.append(key)
        key = lane.key = self._queue.popleft()
        return key

    async def _drop_orders(self, which: Callable[[Key], bool]) -> None:
        """Forget the pending records of the orders ``which`` selects (they stay
        uncommitted); a lane delivering one of them is cancelled and replaced."""
        for key in [key for key in self._orders if which(key)]:
            del self._orders[key]
        if any(which(key) for key in self._queue):
            self._queue = deque(key for key in self._queue if not which(key))
        doomed = [lane for lane in self._lanes if lane.key is not None and which(lane.key)]
        for lane in doomed:
            if lane.task is not None:
                lane.task.cancel()
        await asyncio.gather(*(lane.task for lane in doomed if lane.task), return_exceptions=True)
        for lane in doomed:
            if lane in self._lanes:  # not if stop() has taken the lanes meanwhile
                self._lanes[self._lanes.index(lane)] = self._new_lane()

    def _raise_if_stopped(self) -> None:
        fault = self._stopped_by
        if fault is None:
            return
        if isinstance(fault, CredentialFault):
            reason, todo = f"refuses ketenbus's credentials: {fault}", "fix its key and restart"
        else:
            reason, todo = f"failed: {fault!r}", "a bug in ketenbus; nothing of it is lost"
        log.critical("delivery to %s stopped: %s; %s", self.target, reason, todo)
        raise DeliveryStopped(self.target, reason) from fault

    # -- consumption and commits ------------------------------------------------------

    def _flow_control(self) -> None:
        """Pause what must wait (breaker not closed, too much pending); resume the rest."""
        consumer = self.consumer
        assigned = consumer.assignment()
        if not self.breaker.closed:
            wanted = set(assigned)
        else:
            wanted = {
                tp for tp in assigned
                if tp in self._offsets and self._offsets[tp].pending >= self._max_pending
            }  # fmt: skip
        paused = consumer.paused()
        if pause := wanted - paused:
            consumer.pause(*pause)
        if resume := (paused & assigned) - wanted:
            consumer.resume(*resume)

    async def _commit(self, partitions: set[TopicPartition] | None = None) -> None:
        offsets = {
            tp: offset
            for tp, tracker in self._offsets.items()
            if (partitions is None or tp in partitions)
            and (offset := tracker.to_commit()) is not None
        }
        if not offsets:
            return
        await self._before_commit()  # the stage's state first: then the offsets
        await self.consumer.commit(offsets)
        for tp, offset in offsets.items():
            self._offsets[tp].committed = offset
        self.stats.commits += 1

    async def _revoked(self, revoked: set[TopicPartition]) -> None:
        """Before a rebalance: drop the orders of the partitions we lose, commit what is done."""
        self._ready.clear()
        await self._drop_orders(lambda key: key[0] in revoked)
        await self._commit(revoked)
        for tp in revoked:
            self._offsets.pop(tp, None)

    async def _assigned(self, assigned: set[TopicPartition]) -> None:
        """After a rebalance: reload the stage's state, then let the lanes go."""
        await self._on_assigned()
        self._ready.set()
