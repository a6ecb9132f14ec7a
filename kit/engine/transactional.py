"""The engine of every stage that reads, writes and commits in Kafka transactions.

The translator, the data warehouse's delivery and the outbound assigner each read a
batch of records (``read_committed``), turn every record into output records (a
pure, CPU-bound step the stage supplies as a :class:`Transform`), and write the
outputs and the consumer offsets in one transaction. A crash at any point leaves all
of a transaction or none of it visible to ``read_committed`` readers: nothing is
written twice, nothing skipped.

**One transactional producer per input partition** (the design Kafka Streams used
before KIP-447; aiokafka commits offsets to a transaction without the group's
generation, so the broker cannot fence a zombie by its group membership). The
producer of partition *p* has the transactional id ``<group>-<topic>-<p>``, made
when the group assigns *p* to this instance. Starting it (InitProducerId) bumps the
id's epoch: a zombie that still writes for *p* (an instance the group gave up on,
after a pause or a partition of the network) is fenced, and its open transaction is
aborted before this instance reads *p*'s committed offset and starts from there. So
any number of instances share the work of a group, and a rebalance never writes a
record twice. A producer that is fenced itself (its partition went to another
instance) gives the partition up with one warning line; if the group still assigns
it here, the partition is taken back the same way, from its committed offset.

**Read ahead.** A transaction ends in round trips to the broker. While one batch's
transactions finish, the next batch (what the consumer has already fetched) is
transformed, and written only after they committed. A failed transaction drops the
read-ahead, and every partition goes back to its committed offset; a rebalance
drops it too. A stage with state transforms ahead only if its state says so (the
translator's memory of the ids it wrote does; the data warehouse's counts do not).

**State** (:class:`StageState`): a stage's memory, kept on compacted topics written in
its transactions, is read back for a partition when the partition is taken (after its
producer fenced the last owner, so every commit of the last owner is readable). When
records of a partition are read again (their transformed work was dropped: an aborted
transaction, a read-ahead dropped by a rebalance or an abort), the state forgets what
that work did: the translator drops the ids it had claimed since the last commit,
without reading its topic (a transaction's commit markers may not be written yet when
the next one begins, and reading to the end would miss the last commit); the data
warehouse reads its counts again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.transaction_manager import TransactionState

from contracts import KafkaRecord, KafkaSettings
from kit.engine.stage import Rebalances, StageStats, StageStopped
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.transactions import FATAL_ERRORS, NOT_AUTHORISED, committed_reader

log = logging.getLogger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0

PRODUCE_BATCH_BYTES = 512 * 1024
"""How many bytes of output go to one partition in one produce request. aiokafka keeps
one batch per partition and waits for it to be sent before it starts the next, so with
its default (16 KiB, about 20 canonical records) a transaction of 500 records waited
for a broker round trip every few dozen records. Half the topics' record-batch limit
(1 MiB, the broker default), so it is always accepted."""

LARGE_RECORD_BYTES = 64 * 1024
"""A record larger than this (a dead letter carrying a whole file) is sent on its own."""

YIELD_EVERY = 8
"""A transform is CPU work without awaits; every this many records the engine lets the
event loop run, so the transactions being written (and the fetching) go on meanwhile."""


@dataclass(frozen=True)
class Output:
    """One record a stage writes, in the transaction of the record it came from."""

    topic: str
    record: KafkaRecord
    kind: str
    """What it is, for the stage's counters (``event``, ``dead_letter``, ...)."""
    partition: int | None = None
    """The output partition, if the stage chooses it (a state record goes to the partition
    of its input partition's number); otherwise chosen by key like ``send()`` does."""


@dataclass(frozen=True)
class Transformed:
    """What one input record became."""

    outcome: str
    """How it went, for the counters (``translated``, ``dead_lettered``, ``skipped``...)."""
    outputs: Sequence[Output] = ()


class Transform(Protocol):
    """A stage's work on one record: pure, no I/O (bad input becomes a dead letter)."""

    def __call__(self, record: Record, /) -> Transformed: ...


class StageState:
    """A stage's own memory, kept on compacted topics and written in its transactions.

    The engine tells it what happens to the work of each input partition: taken (read
    back what committed), transformed (what to write with it), committed, dropped (its
    records are read again), and given up (revoked). The defaults suit a state that is
    read whole and written by the transform itself."""

    transforms_ahead: bool = False
    """Whether the next batch may be transformed while one commits (the state then keeps
    apart what the batch in hand wrote, to forget it if that batch does not commit)."""

    async def load(self, partitions: set[TopicPartition]) -> None:
        """Read back from what committed the memory of these input partitions (on their
        assignment, after their producers fenced the last owner, so every commit of the
        last owner is readable). A state that is not kept per input partition reads all
        of itself."""
        raise NotImplementedError

    def outputs_for(self, tp: TopicPartition, next_offset: int) -> list[Output]:
        """What the state writes for this partition's records just transformed (up to
        ``next_offset``), in their transaction: one record per transaction rather than
        one per input record."""
        return []

    def committed(self, tp: TopicPartition, next_offset: int) -> None:
        """This partition's work up to ``next_offset`` committed."""

    async def read_again(self, partitions: set[TopicPartition]) -> None:
        """Records of these partitions are read again: the work transformed past their
        last commit was dropped, and the state must forget it."""
        await self.load(partitions)

    def release(self, partitions: set[TopicPartition]) -> None:
        """These partitions are no longer this instance's: their memory may go."""

    def stale_for(self, partitions: set[TopicPartition]) -> bool:
        """Whether it must be read again before records of ``partitions`` (a replay
        topic's record may be about another instance's partition)."""
        return False


@dataclass
class _Partition:
    """The work in hand of one input partition: its records, transformed, and offset."""

    tp: TopicPartition
    records: int = 0
    next_offset: int = 0
    outputs: list[Output] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Batch:
    partitions: list[_Partition]
    generation: int
    """The assignment it was read under: after a rebalance it is not written."""

    @property
    def records(self) -> int:
        return sum(part.records for part in self.partitions)


class TransactionalEngine:
    """Consume → transform → produce and commit, exactly once, in as many instances as
    the input has partitions."""

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        stage: str,
        group_id: str,
        inputs: Sequence[str],
        outputs: Sequence[str],
        transform: Transform,
        state: StageState | None = None,
        max_batch: int = 500,
        producer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._kafka = kafka
        self.stage = stage
        self.group_id = group_id
        self._inputs = list(inputs)
        self._outputs = list(outputs)
        self._transform = transform
        self._state = state
        self._max_batch = max_batch
        self._producer_options = {"max_batch_size": PRODUCE_BATCH_BYTES, **(producer_options or {})}
        self.stats = StageStats(stage)
        self._consumer: AIOKafkaConsumer | None = None
        self._producers: dict[TopicPartition, AIOKafkaProducer] = {}
        self._committed: dict[TopicPartition, int] = {}
        """The offset this instance's last transaction of a partition committed. While it
        holds the partition it is the only writer, so this is the truth; the group's
        committed offset lags it until the broker has written the commit's markers."""
        self._retake: set[TopicPartition] = set()
        """Partitions whose producer was fenced while the group still assigns them here."""
        self._ahead: _Batch | None = None
        self._generation = 0
        self._busy = asyncio.Lock()
        """Held while a batch is written: a rebalance waits for it, so the next owner of a
        partition starts from offsets that include it."""
        self._partitioner = DefaultPartitioner()
        self._transformed: dict[TopicPartition, int] = {}
        """Per partition, the offset after the last record transformed: a record below it
        is read again, and the state of its partition must be read again first."""

    def transactional_id(self, tp: TopicPartition) -> str:
        """The producer of one input partition: the same in every instance, so whoever
        holds the partition fences whoever held it before."""
        return f"{self.group_id}-{tp.topic}-{tp.partition}"

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError(f"{self.stage} is not started")
        return self._consumer

    @property
    def partitions(self) -> set[TopicPartition]:
        """The input partitions this instance writes for (a producer each)."""
        return set(self._producers)

    # -- life cycle ------------------------------------------------------------------

    async def start(self) -> None:
        probe = self.transactional_id(TopicPartition(self._inputs[0], 0))
        await wait_until_usable(
            self._kafka,
            [*self._inputs, *self._outputs],
            group_id=self.group_id,
            transactional_id=probe,
        )
        self._consumer = committed_reader(self._kafka, group_id=self.group_id, client=self.stage)
        self._consumer.subscribe(self._inputs, listener=Rebalances(self._revoked, self._assigned))
        await self._consumer.start()

    async def stop(self) -> None:
        try:
            if self._consumer is not None:
                await self._consumer.stop()  # leaves the group: the batch in hand commits first
        finally:
            await self._close_producers(set(self._producers))
            self._consumer = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Work until ``stopping`` is set. A failed batch is aborted and read again after a
        back-off of 0.5 s that doubles up to 10 s (and starts over after a success)."""
        await self.start()
        backoff = FIRST_BACKOFF_SECONDS
        try:
            while not stopping.is_set():
                try:
                    await self.step()
                    backoff = FIRST_BACKOFF_SECONDS
                except KafkaError as exc:
                    log.warning(
                        "%s batch aborted (%s); reading it again", self.stage, type(exc).__name__
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            await self.stop()

    # -- one batch ---------------------------------------------------------------------

    async def step(self, timeout_ms: int = 500) -> int:
        """Transform one batch and write it, a transaction per input partition; returns
        the number of records read. Raises the first ``KafkaError`` of a failed
        transaction once every partition is back at its committed offset."""
        await self._take_back_fenced()
        batch = self._take_ahead() or await self._read(timeout_ms)
        if batch is None:
            return 0
        async with self._busy:
            if batch.generation != self._generation:
                return 0  # a rebalance came between the read and the write
            writing = asyncio.ensure_future(self._write(batch))
            ahead = None
            try:
                if self._state is None or self._state.transforms_ahead:
                    ahead = await self._read_ahead()
            finally:
                failed = await writing
            if failed:
                await self._aborted(failed)
                raise failed[0]
        self._ahead = ahead
        return batch.records

    async def _read(self, timeout_ms: int) -> _Batch | None:
        """The next records, transformed (nothing is written yet)."""
        fetched = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        # getmany waits for a rebalance in progress: these belong to the assignment now.
        generation = self._generation
        fetched = {tp: records for tp, records in fetched.items() if tp in self._producers}
        if not fetched:
            return None
        if self._state is not None:
            transformed = self._transformed
            again = {tp for tp, got in fetched.items() if got[0].offset < transformed.get(tp, 0)}
            if self._state.stale_for(set(fetched)):
                await self._state.load(set(fetched))  # replaces what it forgets too
            elif again:
                await self._state.read_again(again)
        parts: list[_Partition] = []
        count = 0
        try:
            for tp, records in fetched.items():
                part = _Partition(tp, records=len(records), next_offset=records[-1].offset + 1)
                self._transformed[tp] = part.next_offset  # before: a transform may fail midway
                for record in records:
                    done = self._transform(record)
                    part.outcomes.append(done.outcome)
                    part.outputs += done.outputs
                    count += 1
                    if count % YIELD_EVERY == 0:
                        await asyncio.sleep(0)
                if self._state is not None:
                    part.outputs += self._state.outputs_for(tp, part.next_offset)
                parts.append(part)
        except BaseException:
            self._unread(fetched, generation)
            raise
        return _Batch(parts, generation)

    async def _read_ahead(self) -> _Batch | None:
        """The next batch from what the consumer has already fetched, without waiting."""
        try:
            return await self._read(timeout_ms=0)
        except KafkaError:
            return None  # the next step's own read meets it again

    def _take_ahead(self) -> _Batch | None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.generation != self._generation:
            log.info("%s: dropping %d records read ahead of a rebalance", self.stage, ahead.records)
            return None
        return ahead

    def _unread(self, fetched: Mapping[TopicPartition, list[Record]], generation: int) -> None:
        """Put the consumer back before records it returned that were not transformed."""
        if generation != self._generation:
            return  # a rebalance has set every position to the committed offset already
        assigned = self.consumer.assignment()
        for tp, records in fetched.items():
            if tp in assigned:
                self.consumer.seek(tp, records[0].offset)

    async def _write(self, batch: _Batch) -> list[KafkaError]:
        """Every partition's transaction, concurrently; returns the errors of those that
        failed (the others committed and are counted)."""
        results = await asyncio.gather(
            *(self._commit_partition(part) for part in batch.partitions), return_exceptions=True
        )
        failed: list[KafkaError] = []
        for part, result in zip(batch.partitions, results, strict=True):
            if isinstance(result, KafkaError):
                failed.append(result)
            elif isinstance(result, BaseException):
                raise result
            elif result:
                if self._state is not None:
                    self._state.committed(part.tp, part.next_offset)
                self.stats.settled(part.records, part.outcomes, [o.kind for o in part.outputs])
                if log.isEnabledFor(logging.DEBUG):  # ids and counts only, never contents
                    log.debug(
                        "%s: %s-%d committed up to offset %d: %s",
                        self.stage,
                        part.tp.topic,
                        part.tp.partition,
                        part.next_offset,
                        dict(Counter(part.outcomes)),
                    )
        return failed

    async def _commit_partition(self, part: _Partition) -> bool:
        """One partition's outputs and its offset in one transaction of its producer;
        False if the partition is no longer this instance's to write."""
        producer = self._producers.get(part.tp)
        if producer is None:
            return False  # revoked or fenced meanwhile: read again from the committed offset
        try:
            async with producer.transaction():
                sent = await self._produce(producer, part.outputs)
                # Every future's outcome is taken: when the producer is fenced, all of
                # them fail, and an untaken one is "Future exception was never retrieved".
                for result in await asyncio.gather(*sent, return_exceptions=True):
                    if isinstance(result, BaseException):
                        raise result
                await producer.send_offsets_to_transaction(
                    {part.tp: part.next_offset}, self.group_id
                )
            self._committed[part.tp] = part.next_offset
        except FATAL_ERRORS as exc:
            await self._fenced(part.tp, exc)
            return False
        except KafkaError:
            # The context aborts what fails inside it, but a failed commit leaves the
            # transaction in aiokafka's abortable state: end it, so the next can begin.
            if producer._txn_manager.state is TransactionState.ABORTABLE_ERROR:
                try:
                    await producer.abort_transaction()
                except KafkaError as exc:
                    log.warning("aborting a failed commit failed too (%s)", type(exc).__name__)
            raise
        return True

    async def _produce(
        self, producer: AIOKafkaProducer, outputs: Sequence[Output]
    ) -> list[asyncio.Future[Any]]:
        """Hand every output to the producer (inside the open transaction); returns the
        futures that resolve when the broker has them.

        Records go in batches built here, one per output partition, chosen as the
        producer's default partitioner chooses (murmur2 of the key): the same partitions
        as ``send()``, without a future, a metadata check and a partitioner call per
        record. A large record (a dead letter with a whole file) goes through ``send()``.
        """
        sent: list[asyncio.Future[Any]] = []
        builders: dict[tuple[str, int], Any] = {}
        known: dict[str, list[int]] = {}
        for output in outputs:
            topic, record = output.topic, output.record
            headers = list(record.headers)  # aiokafka takes the headers as a list only
            if len(record.value or b"") > LARGE_RECORD_BYTES:
                sent.append(
                    await producer.send(
                        topic,
                        value=record.value,
                        key=record.key,
                        headers=headers,
                        partition=output.partition,
                    )
                )
                continue
            partition = output.partition
            if partition is None:
                partitions = known.get(topic)
                if partitions is None:
                    partitions = known[topic] = sorted(await producer.partitions_for(topic))
                partition = self._partitioner(record.key, partitions, partitions)
            builder = builders.get((topic, partition))
            if builder is None:
                builder = builders[topic, partition] = producer.create_batch()
            if builder.append(key=record.key, value=record.value, timestamp=None, headers=headers):
                continue
            # Full: on its way, and a new batch for this partition.
            sent.append(await producer.send_batch(builder, topic, partition=partition))
            builder = builders[topic, partition] = producer.create_batch()
            builder.append(key=record.key, value=record.value, timestamp=None, headers=headers)
        for (topic, partition), builder in builders.items():
            sent.append(await producer.send_batch(builder, topic, partition=partition))
        return sent

    async def _aborted(self, failed: list[KafkaError]) -> None:
        """After failed transactions: drop the read-ahead and put the positions back to
        what committed (every partition: the read-ahead moved them all). The state of a
        partition whose work was dropped is read again before its records are."""
        self.stats.aborted_batches += 1
        self._ahead = None
        self._generation += 1
        await self._rewind(self.consumer.assignment())

    async def _rewind(self, partitions: set[TopicPartition]) -> None:
        """Every partition back to its committed offset (its start if none committed):
        the one this instance's last transaction committed, else the group's (asked of
        the broker only for a partition just taken, after its producer fenced the last
        owner, so no commit of another instance is still on its way)."""
        for tp in partitions:
            committed = self._committed.get(tp)
            if committed is None:
                committed = await self.consumer.committed(tp)
            if committed is None:
                await self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, committed)

    # -- partitions and their producers ------------------------------------------------

    async def _assigned(self, assigned: set[TopicPartition]) -> None:
        """The group gave us partitions: a producer for each new one (fencing its last
        owner), then the state and the new ones' positions as committed; only then are
        they read. A partition kept through the rebalance keeps its producer: nobody
        else held it meanwhile."""
        self._generation += 1
        await self._close_producers(set(self._producers) - assigned)
        kept = assigned & set(self._producers)
        await self._take(assigned - kept)
        # aiokafka starts a kept partition again from the group's committed offset,
        # which may not show this instance's last commit yet: start it from that commit.
        await self._rewind(kept)

    async def _take(self, partitions: set[TopicPartition]) -> None:
        """Start writing for ``partitions``: paused until their producers are started and
        their positions are the committed offsets read after that (the consumer would
        otherwise hand out records from before the fence)."""
        self.consumer.pause(*partitions)
        for tp in partitions:
            self._committed.pop(tp, None)  # another instance may have written since
        opened = await self._open_producers(partitions)
        if self._state is not None:
            await self._state.load(set(opened))
        for tp in opened:
            self._transformed.pop(tp, None)  # its state is what committed, as loaded now
        await self._rewind(set(opened))
        self._producers.update(opened)
        self._retake -= set(opened)
        self.consumer.resume(*(tp for tp in opened if tp in self.consumer.assignment()))
        if opened:
            log.info(
                "%s: writing for %s",
                self.stage,
                ", ".join(f"{tp.topic}-{tp.partition}" for tp in sorted(opened)),
            )

    async def _revoked(self, revoked: set[TopicPartition]) -> None:
        """Before a rebalance: let the batch in hand commit, and write nothing more until
        the group has decided (a partition that goes elsewhere is fenced by its next
        owner's producer in any case)."""
        async with self._busy:
            self._generation += 1
            self._ahead = None

    async def _open_producers(
        self, partitions: set[TopicPartition]
    ) -> dict[TopicPartition, AIOKafkaProducer]:
        async def open_one(tp: TopicPartition) -> AIOKafkaProducer:
            producer = clients.producer(
                self._kafka,
                self.stage,
                transactional_id=self.transactional_id(tp),
                **self._producer_options,
            )
            try:
                await producer.start()  # InitProducerId: the last owner is fenced here
            except NOT_AUTHORISED as exc:
                await producer.stop()
                raise StageStopped(
                    f"{self.stage} stopped: not authorised for transactional id "
                    f"{self.transactional_id(tp)} ({type(exc).__name__}); check the ACLs"
                ) from None
            return producer

        ordered = sorted(partitions)
        producers = await asyncio.gather(*(open_one(tp) for tp in ordered))
        return dict(zip(ordered, producers, strict=True))

    async def _close_producers(self, partitions: set[TopicPartition]) -> None:
        producers = [self._producers.pop(tp) for tp in partitions if tp in self._producers]
        for tp in partitions:
            self._committed.pop(tp, None)
            self._transformed.pop(tp, None)
        self._retake -= partitions
        if self._state is not None:
            self._state.release(partitions)
        await asyncio.gather(*(_stop_quietly(p) for p in producers))

    async def _fenced(self, tp: TopicPartition, exc: BaseException) -> None:
        """Another instance took this partition's transactional id: it holds the
        partition now (or will give it back at the next rebalance). Give it up."""
        log.warning(
            "%s: partition %s-%d was taken over by another instance (%s); giving it up",
            self.stage,
            tp.topic,
            tp.partition,
            type(exc).__name__,
        )
        await self._close_producers({tp})
        if tp in self.consumer.assignment():
            self.consumer.pause(tp)  # nothing of it is read until it is taken back
        self._retake.add(tp)

    async def _take_back_fenced(self) -> None:
        """A partition the group still assigns here after its producer was fenced is taken
        back, from its committed offset, fencing the other in turn (a zombie loses its
        assignment at its next heartbeat, and then stops trying)."""
        retake = self._retake & self.consumer.assignment()
        self._retake -= retake
        if retake:
            await asyncio.sleep(FIRST_BACKOFF_SECONDS)
            async with self._busy:
                self._generation += 1  # the read-ahead is dropped: every partition rewinds
                self._ahead = None
                await self._take(retake & self.consumer.assignment())
                await self._rewind(self.consumer.assignment())


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await producer.stop()
    except KafkaError as exc:  # a fenced producer cannot end its transaction: let it go
        log.debug("closing a producer failed (%s)", type(exc).__name__)
