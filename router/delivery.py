"""The delivery worker: one per destination, the same machinery for every destination.

* Its own consumer group (``ketenbus-router-<destination>``), so an outage of one
  system stalls only that system.
* Per record: read it, route it (fact types of the configuration), check entitlement
  (``router.entitlement``: withheld, or a view without the fields it may not see),
  deliver the view with retries (``kit.delivery.retry``) behind the circuit breaker
  (``kit.delivery.breaker``); permanent faults and a budget spent on a fact's own trouble
  become dead letters (``kit.delivery.dead_letters``); a credential fault stops the worker
  loudly, because it is not a message problem.
* Facts of one order (one Kafka key of one partition) go one after the other, in
  offset order; different orders go in parallel, at most ``concurrency`` at a time.
  Exactly ``concurrency`` long-lived *lanes* (tasks) do the delivering: each takes the
  next ready order (one with pending facts that no lane holds) from a queue, delivers
  its next fact and then takes the next ready order, so the orders take turns fact by
  fact. Not a task per order behind a semaphore: with up to ``max_pending`` orders
  waiting, every call would cost a hand-off between tasks, which measured a third
  slower against a fast system (docs/performance.md).
* The consumer keeps polling while facts are being delivered (a fact may wait an
  hour for a maintenance window to end; Kafka would otherwise think the consumer
  dead). It pauses a partition when too many of its records are pending, and pauses
  every partition while the breaker is not closed; it resumes when they drain and
  the system is back.
* Offsets are committed only past records that are finished: delivered, skipped,
  withheld or parked (``kit.delivery.offsets``). A crash delivers the unfinished ones again
  after restart; they carry the same Referentienummer, so the corporation does each
  once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)

from contracts import CanonicalEvent, Classification, ContractError, KafkaSettings, Purpose
from kit.delivery.breaker import BreakerOpen, BreakerSettings, CircuitBreaker
from kit.delivery.dead_letters import dead_letter
from kit.delivery.errors import CredentialFault, DeliveryError, PassingFault, RateLimited
from kit.delivery.offsets import PartitionOffsets
from kit.delivery.retry import RetryPolicy
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.topics import ensure_topics
from kit.kafka.transactions import committed_reader
from router.destination import (
    DeadLettered,
    Destination,
    Outcome,
    Skipped,
    Withheld,
    source_topics,
)
from router.entitlement import Entitlement, view

log = logging.getLogger(__name__)

Key = tuple[TopicPartition, bytes | None]


class DestinationStopped(RuntimeError):
    """A destination refused ketenbus's credentials (or the worker failed); it stopped."""

    def __init__(self, destination: str, reason: str) -> None:
        super().__init__(f"{destination}: {reason}")
        self.destination = destination
        self.reason = reason
        """What ops must fix, in a few words (never a fact's content)."""


def router_stopped(stopped: list[DestinationStopped], *, every: bool) -> str:
    """The router process's last line when destinations stopped: ``every`` when none
    is left delivering, else it was asked to stop with these already stopped."""
    which = ", ".join(
        f"{exc.destination} ({exc.reason})"
        for exc in sorted(stopped, key=lambda exc: exc.destination)
    )
    if every:
        return f"ketenbus route stopped: every destination has stopped: {which}"
    return f"ketenbus route stopped; destinations that had stopped before: {which}"


@dataclass
class DeliveryStats:
    """Counters since start, for ops and tests."""

    delivered: int = 0
    skipped: int = 0
    withheld: int = 0
    dead_lettered: int = 0
    attempts: int = 0
    commits: int = 0

    def count(self, outcome: Outcome) -> None:
        if isinstance(outcome, DeadLettered):
            self.dead_lettered += 1
        elif isinstance(outcome, Withheld):
            self.withheld += 1
        elif isinstance(outcome, Skipped):
            self.skipped += 1
        else:
            self.delivered += 1


@dataclass(eq=False)
class _Lane:
    """One of the ``concurrency`` long-lived delivery tasks, and the order it holds."""

    task: asyncio.Task[None] | None = None
    key: Key | None = None
    """The order it is delivering (or, after a fault, held back), None while it looks
    for one."""
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by ``_dispatch`` when a new order is ready while this lane is idle."""


class DeliveryWorker:
    def __init__(
        self,
        kafka: KafkaSettings,
        destination: Destination,
        *,
        routes: frozenset[str],
        entitlement: Entitlement,
        policy: RetryPolicy,
        breaker: BreakerSettings | None = None,
        concurrency: int = 8,
        max_pending: int = 1000,
        poll_ms: int = 100,
    ) -> None:
        self._kafka = kafka
        self.destination = destination
        self.routes = routes
        self.entitlement = entitlement
        self._policy = policy
        self.breaker = CircuitBreaker(destination.id, breaker or BreakerSettings())
        self._concurrency = concurrency
        self._max_pending = max_pending
        self._max_records = max(100, concurrency * 50)
        self._poll_ms = poll_ms
        self.group_id = f"{kafka.topic_prefix}ketenbus-router-{destination.id}"
        self.stats = DeliveryStats()
        self._orders: dict[Key, deque[ConsumerRecord[bytes, bytes]]] = {}
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
        """Set once the destination's state is loaded for the current assignment: aiokafka
        may hand out records while the assignment callback is still loading it."""
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    @property
    def sources(self) -> list[str]:
        """The canonical topics its routes live on."""
        return source_topics(self._kafka.topics, self.routes)

    @property
    def deadletter_topic(self) -> str:
        return self._kafka.topics.deadletter(self.destination.id)

    @property
    def replay_topic(self) -> str:
        """Dead letters ops send back to this destination only (read next to the sources)."""
        return self._kafka.topics.replay(self.destination.id)

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("the worker is not started")
        return self._consumer

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        topics = [*self.sources, self.replay_topic, self.deadletter_topic]
        await ensure_topics(self._kafka, topics)
        await self.destination.start()
        await wait_until_usable(self._kafka, topics, group_id=self.group_id)
        self._producer = clients.producer(self._kafka, self.group_id)
        self._consumer = committed_reader(self._kafka, group_id=self.group_id, client=self.group_id)
        await self._producer.start()
        await self._consumer.start()
        self._consumer.subscribe([*self.sources, self.replay_topic], listener=_Rebalance(self))
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
            await self.destination.aclose()
            self._consumer = self._producer = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Deliver until ``stopping`` is set, or until the destination refuses our credentials."""
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

    # -- lanes -----------------------------------------------------------------------

    def _dispatch(self, tp: TopicPartition, record: ConsumerRecord[bytes, bytes]) -> None:
        """Queue a record behind its order's others; a new order is ready for a lane."""
        self._offsets.setdefault(tp, PartitionOffsets()).fetched(record.offset)
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
                self.stats.count(outcome)
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

    def _next_turn(
        self, lane: _Lane, key: Key, records: deque[ConsumerRecord[bytes, bytes]]
    ) -> Key | None:
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
        log.critical("delivery to %s stopped: %s; %s", self.destination.id, reason, todo)
        raise DestinationStopped(self.destination.id, reason) from fault

    # -- one record ------------------------------------------------------------------

    async def _handle(self, record: ConsumerRecord[bytes, bytes]) -> Outcome:
        try:
            event = CanonicalEvent.from_kafka(record.value, tuple(record.headers))
        except ContractError as exc:
            if record.topic == self._kafka.topics.signals and not self._may_read_restricted:
                return self._withhold(record, None, "unreadable record on the restricted topic")
            return await self._park(record, exc, attempts=0, view=None)
        if event.fact_type not in self.routes:
            return Skipped(f"{event.fact_type} is not routed to {self.destination.id}")
        seen = view(event, self.entitlement)
        if isinstance(seen, Withheld):
            return self._withhold(record, event, seen.reason)
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
                            return await self.destination.deliver(seen)
            except BreakerOpen:
                continue
            except CredentialFault:
                raise
            except PassingFault as fault:
                if fault.system_down or isinstance(fault, RateLimited) or not self.breaker.closed:
                    # The budget went on the system's state, not on this fact: wait for it.
                    self.breaker.trip()
                    continue
                return await self._park(record, fault, attempts=attempts, view=seen)
            except DeliveryError as exc:
                return await self._park(record, exc, attempts=attempts, view=seen)
            raise AssertionError("unreachable: tenacity either returns or re-raises")

    def _breaker_open(self) -> bool:
        return not self.breaker.closed

    @property
    def _may_read_restricted(self) -> bool:
        return (
            Purpose.SOCIAL_CARE in self.entitlement.purposes
            and self.entitlement.classification is Classification.SPECIAL_CATEGORY
        )

    def _withhold(
        self, record: ConsumerRecord[bytes, bytes], event: CanonicalEvent | None, reason: str
    ) -> Withheld:
        log.warning(
            "withheld from %s: %s offset %d/%d event %s (%s): %s",
            self.destination.id,
            record.topic,
            record.partition,
            record.offset,
            event.id if event else "?",
            event.fact_type if event else "?",
            reason,
        )
        return Withheld(reason)

    async def _park(
        self,
        record: ConsumerRecord[bytes, bytes],
        exc: Exception,
        *,
        attempts: int,
        view: CanonicalEvent | None,
    ) -> DeadLettered:
        assert self._producer is not None
        parked = dead_letter(
            record, exc, destination=self.destination.id, attempts=attempts, view=view
        )
        await self._producer.send_and_wait(
            self.deadletter_topic, parked.value, key=parked.key, headers=list(parked.headers)
        )
        log.warning(
            "dead letter for %s: %s %d/%d event %s: %s",
            self.destination.id,
            record.topic,
            record.partition,
            record.offset,
            view.id if view else "?",
            type(exc).__name__,
        )
        return DeadLettered(f"{type(exc).__name__}: {exc}")

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
        await self.destination.before_commit()  # its state first: then the offsets
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
        """After a rebalance: reload the destination's state, then let the lanes go."""
        await self.destination.on_assigned()
        self._ready.set()


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, worker: DeliveryWorker) -> None:
        self._worker = worker

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._worker._revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._worker._assigned(set(assigned))
