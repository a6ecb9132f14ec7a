"""The delivery worker: one per destination, the same machinery for every destination.

* Its own consumer group (``ketenbus-router-<destination>``), so an outage of one
  system stalls only that system.
* Per record: read it, route it (fact types of the configuration), check entitlement
  (``router.entitlement``: withheld, or a view without the fields it may not see),
  deliver the view with retries (``router.retry``) behind the circuit breaker
  (``router.breaker``); permanent faults and a budget spent on a fact's own trouble
  become dead letters (``router.dead_letters``); a credential fault stops the worker
  loudly, because it is not a message problem.
* Facts of one order (one Kafka key) go one after the other, in offset order, in a
  *lane*; different orders go in parallel, at most ``concurrency`` at a time.
* The consumer keeps polling while facts are being delivered (a fact may wait an
  hour for a maintenance window to end; Kafka would otherwise think the consumer
  dead). It pauses a partition when too many of its records are pending, and pauses
  every partition while the breaker is not closed; it resumes when they drain and
  the system is back.
* Offsets are committed only past records that are finished: delivered, skipped,
  withheld or parked (``router.offsets``). A crash delivers the unfinished ones again
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

from contracts import (
    FACT_TYPES,
    CanonicalEvent,
    Classification,
    ContractError,
    KafkaSettings,
    Purpose,
)
from contracts.kafka import ensure_topics
from router.breaker import BreakerOpen, BreakerSettings, CircuitBreaker
from router.dead_letters import dead_letter
from router.destination import DeadLettered, Destination, Outcome, Skipped, Withheld
from router.entitlement import Entitlement, view
from router.errors import CredentialFault, DeliveryError, PassingFault, RateLimited
from router.offsets import PartitionOffsets
from router.retry import RetryPolicy

log = logging.getLogger(__name__)

Key = tuple[TopicPartition, bytes | None]


class DestinationStopped(RuntimeError):
    """A destination refused ketenbus's credentials (or the worker failed); it stopped."""


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


@dataclass
class _Lane:
    """The pending records of one order (one key of one partition), delivered in order."""

    records: deque[ConsumerRecord[bytes, bytes]] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


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
        self._slots = asyncio.Semaphore(concurrency)
        self._max_pending = max_pending
        self._max_records = max(100, concurrency * 50)
        self._poll_ms = poll_ms
        self.group_id = f"{kafka.topic_prefix}ketenbus-router-{destination.id}"
        self.stats = DeliveryStats()
        self._lanes: dict[Key, _Lane] = {}
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
        topics = self._kafka.topics
        return sorted({topics.for_fact(FACT_TYPES[route].restricted) for route in self.routes})

    @property
    def deadletter_topic(self) -> str:
        return self._kafka.topics.deadletter(self.destination.id)

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("the worker is not started")
        return self._consumer

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        await ensure_topics(self._kafka, [*self.sources, self.deadletter_topic])
        await self.destination.start()
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-{self.group_id}",
            enable_idempotence=True,
            acks="all",
        )
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-{self.group_id}",
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await self._producer.start()
        await self._consumer.start()
        self._consumer.subscribe(self.sources, listener=_Rebalance(self))

    async def stop(self) -> None:
        """Stop delivering: unfinished facts stay uncommitted and come again after restart."""
        await self._cancel_lanes(lambda _key: True)
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
        self._offsets.setdefault(tp, PartitionOffsets()).fetched(record.offset)
        key = (tp, record.key)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        lane.records.append(record)
        if lane.task is None:
            lane.task = asyncio.create_task(self._run_lane(key, lane))

    async def _run_lane(self, key: Key, lane: _Lane) -> None:
        tp = key[0]
        try:
            while lane.records:
                record = lane.records[0]
                await self._ready.wait()
                async with self._slots:
                    outcome = await self._handle(record)
                lane.records.popleft()
                self.stats.count(outcome)
                self._offsets[tp].finished(record.offset)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a credential fault, or a bug: stop, loudly, lose nothing
            if self._stopped_by is None:
                self._stopped_by = exc
        finally:
            if self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _cancel_lanes(self, which: Callable[[Key], bool]) -> None:
        selected = [(key, lane) for key, lane in list(self._lanes.items()) if which(key)]
        for key, lane in selected:
            if lane.task is not None:
                lane.task.cancel()
            self._lanes.pop(key, None)
        tasks = [lane.task for _, lane in selected if lane.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)

    def _raise_if_stopped(self) -> None:
        fault = self._stopped_by
        if fault is None:
            return
        if isinstance(fault, CredentialFault):
            log.critical(
                "destination %s refuses ketenbus's credentials (%s): stopping its delivery",
                self.destination.id,
                fault,
            )
        else:
            log.critical("delivery to %s failed: %r", self.destination.id, fault)
        raise DestinationStopped(f"{self.destination.id}: {fault}") from fault

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
        await self.consumer.commit(offsets)
        for tp, offset in offsets.items():
            self._offsets[tp].committed = offset
        self.stats.commits += 1

    async def _revoked(self, revoked: set[TopicPartition]) -> None:
        """Before a rebalance: stop the lanes of the partitions we lose, commit what is done."""
        self._ready.clear()
        await self._cancel_lanes(lambda key: key[0] in revoked)
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
