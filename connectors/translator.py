"""The translator: raw partner records in, canonical events out, exactly once.

Consume-transform-produce in Kafka transactions: a batch of raw records is read
(``read_committed``), each record goes through its partner's adapter, the canonical
events (or a dead letter) are produced, and the consumer offsets are committed in
the same transaction. A crash at any point leaves either the whole batch or none of
it visible to ``read_committed`` readers, so no fact is written twice and none is
skipped. FastStream has no transactions, so this is aiokafka directly.

The translator is CPU-bound, and a transaction ends in round trips to the broker
(acknowledgements, the offsets, the commit). So while one batch's transaction finishes,
the next batch (what the consumer has already fetched) is translated: read ahead, and
written only in the next transaction, after this one committed. A failed transaction
drops the read-ahead with it and the consumer goes back to the committed offsets, as
after any failed batch; a rebalance drops it too.

One bad record never holds back the others: it becomes a dead letter with its
context (``contracts.deadletter``) inside the same transaction. A record holding many
partner messages (a batch file) can also be partly bad: its adapter returns a
:class:`~connectors.adapter.Translation`, the good parts become events and each bad
part its own dead letter (the whole original as value, the part named in
``kb_dlq_message_id``), all in the same transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.transaction_manager import TransactionState

from connectors.adapter import InboundAdapter, Translation
from connectors.errors import TranslationError, UnsupportedMessage
from contracts import (
    CanonicalEvent,
    ContractError,
    DeadLetter,
    KafkaRecord,
    KafkaSettings,
    RawMessage,
)
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.topics import ensure_topics
from kit.kafka.transactions import committed_reader, rewind_to_committed, run_batches

log = logging.getLogger(__name__)

STAGE = "translate"

DEADLETTER_MAX_BYTES = 16 * 1024 * 1024
"""Dead letters carry the raw original, and a raw record can be a whole file (the file
inbox takes files up to 10 MiB, docs/channels/file-inbox.md): the translate dead-letter
topic and the producer accept records up to this size, with room for the headers."""

DEADLETTER_TOPIC_CONFIG = {"max.message.bytes": str(DEADLETTER_MAX_BYTES)}

MAX_PART_DEAD_LETTERS = 20
"""At most this many dead letters for the bad parts of one raw record: each carries the
whole original (up to 10 MiB), so a file with a thousand bad Berichten must not make a
10 GB transaction. Failures beyond it are named together in one more dead letter."""

PRODUCE_BATCH_BYTES = 512 * 1024
"""How many bytes of canonical records go to one partition in one produce request.
aiokafka keeps one batch per partition and waits for it to be sent before it starts
the next, so with its default (16 KiB, about 20 canonical records) a transaction of 500
records waited for a broker round trip every few dozen records. Half the orders and
signals topics' record-batch limit (1 MiB, the broker default), so it is always
accepted; a single larger record (a dead letter) still goes in a batch of its own."""

YIELD_EVERY = 8
"""Translation is CPU work without awaits; every this many raw records it lets the event
loop run, so the transaction being written (and the consumer's fetching) goes on
meanwhile: each step of a transaction is a round trip to the broker."""


@dataclass
class TranslatorStats:
    """Counters since start, for the demo, ops and tests."""

    records: int = 0
    events: int = 0
    dead_letters: int = 0
    batches: int = 0
    aborted_batches: int = 0


class _Output(NamedTuple):
    topic: str
    record: KafkaRecord


@dataclass(frozen=True)
class _Batch:
    """Raw records read and translated: what one transaction writes and commits."""

    records: int
    offsets: dict[TopicPartition, int]
    outputs: list[_Output]
    generation: int
    """The consumer's assignment it was read under (see ``Translator._generation``)."""


class Translator:
    """Runs every partner's inbound adapter over its raw topic."""

    def __init__(
        self,
        kafka: KafkaSettings,
        adapters: Mapping[str, InboundAdapter],
        *,
        instance: int = 0,
        max_batch: int = 500,
    ) -> None:
        self._kafka = kafka
        self._adapters = dict(adapters)
        # Environments sharing a cluster (a topic prefix each) get groups of their own.
        self._group_id = f"{kafka.topic_prefix}ketenbus-translator"
        # One transactional id per running instance: a restarted instance fences off
        # its own zombie, and two instances never fence each other.
        self._transactional_id = f"{self._group_id}-{instance}"
        self._max_batch = max_batch
        topics = kafka.topics
        self._orders_topic = topics.orders
        self._signals_topic = topics.signals
        self._deadletter_topic = topics.deadletter(STAGE)
        self._partitioner = DefaultPartitioner()
        self.stats = TranslatorStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._ahead: _Batch | None = None
        # Counts rebalances: after one, aiokafka starts every assigned partition again
        # from its committed offset, so records read before it are not used after it.
        self._generation = 0

    @property
    def raw_topics(self) -> list[str]:
        return [self._kafka.topics.raw(partner) for partner in sorted(self._adapters)]

    async def start(self) -> None:
        topics = self._kafka.topics
        await ensure_topics(self._kafka, self.raw_topics, RAW_TOPIC_CONFIG)
        # A dead letter carries the raw original, so it needs the largest raw size too.
        await ensure_topics(self._kafka, [topics.deadletter(STAGE)], DEADLETTER_TOPIC_CONFIG)
        await ensure_topics(self._kafka, [topics.orders, topics.signals])
        await wait_until_usable(
            self._kafka,
            [*self.raw_topics, topics.orders, topics.signals, topics.deadletter(STAGE)],
            group_id=self._group_id,
            transactional_id=self._transactional_id,
        )
        self._producer = clients.producer(
            self._kafka,
            "translator",
            transactional_id=self._transactional_id,
            # Dead letters carry the raw original (up to the largest raw topic's limit).
            max_request_size=DEADLETTER_MAX_BYTES,
            max_batch_size=PRODUCE_BATCH_BYTES,
        )
        self._consumer = committed_reader(self._kafka, group_id=self._group_id, client="translator")
        self._consumer.subscribe(self.raw_topics, listener=_Rebalances(self._rebalanced))
        await self._producer.start()
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()

    async def run(self, stopping: asyncio.Event) -> None:
        """Translate until ``stopping`` is set; a failed batch is aborted and read again."""
        await self.start()
        try:
            await run_batches(
                stopping,
                self.step,
                aborted=self._aborted,
                what="translate",
                transactional_id=self._transactional_id,
            )
        finally:
            await self.stop()

    async def _aborted(self) -> None:
        """The batch's transaction was aborted: drop the read-ahead, read it all again."""
        assert self._consumer is not None
        self.stats.aborted_batches += 1
        self._ahead = None
        await rewind_to_committed(self._consumer)

    async def step(self, timeout_ms: int = 500) -> int:
        """Translate one batch in one transaction; returns the number of raw records.

        The transaction is written by a task of its own. While the broker acknowledges
        the records, takes the offsets and commits (round trips in which this process
        would wait), the records the consumer has already fetched are translated for
        the next step: read ahead, never written before this transaction committed. If
        it fails, the read-ahead is dropped with it and :meth:`run` rewinds to the
        committed offsets; after a rebalance it is dropped as well.
        """
        batch = self._take_ahead() or await self._read(timeout_ms)
        if batch is None:
            return 0
        writing = asyncio.ensure_future(self._write(batch))
        try:
            ahead = await self._read_ahead()
        finally:
            await writing  # a failed transaction raises here, and its read-ahead is dropped
        self._ahead = ahead
        # Counted only once the transaction committed: an aborted batch is read again.
        dead = sum(1 for output in batch.outputs if output.topic == self._deadletter_topic)
        self.stats.batches += 1
        self.stats.records += batch.records
        self.stats.dead_letters += dead
        self.stats.events += len(batch.outputs) - dead
        return batch.records

    async def _write(self, batch: _Batch) -> None:
        """One batch in one transaction: its outputs, and the offsets past its records."""
        producer = self._producer
        assert producer is not None
        try:
            async with producer.transaction():
                sent = await self._produce(batch.outputs)
                # Every future's outcome is taken: when the producer is fenced, all of
                # them fail, and an untaken one is "Future exception was never retrieved".
                for result in await asyncio.gather(*sent, return_exceptions=True):
                    if isinstance(result, BaseException):
                        raise result
                await producer.send_offsets_to_transaction(batch.offsets, self._group_id)
        except KafkaError:
            # The context aborts what fails inside it, but a failed commit leaves the
            # transaction in aiokafka's abortable state: end it, so the next can begin.
            if producer._txn_manager.state is TransactionState.ABORTABLE_ERROR:
                try:
                    await producer.abort_transaction()
                except KafkaError as exc:
                    log.warning("aborting a failed commit failed too (%s)", type(exc).__name__)
            raise

    async def _read(self, timeout_ms: int) -> _Batch | None:
        """The next raw records, translated (nothing is produced yet)."""
        assert self._consumer is not None
        fetched = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        if not fetched:
            return None
        # After getmany, which waits for a rebalance in progress: these records belong
        # to the assignment as it is now.
        generation = self._generation
        outputs: list[_Output] = []
        count = 0
        try:
            for records in fetched.values():
                for record in records:
                    outputs += self._translate(record)
                    count += 1
                    if count % YIELD_EVERY == 0:
                        await asyncio.sleep(0)
        except BaseException:
            self._unread(fetched, generation)
            raise
        offsets = {tp: records[-1].offset + 1 for tp, records in fetched.items()}
        return _Batch(records=count, offsets=offsets, outputs=outputs, generation=generation)

    async def _read_ahead(self) -> _Batch | None:
        """The next batch from what the consumer has already fetched, without waiting."""
        try:
            return await self._read(timeout_ms=0)
        except KafkaError:
            return None  # the next step's own read meets it again, where it always did

    def _take_ahead(self) -> _Batch | None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead.generation != self._generation:
            # Read before a rebalance, after which the consumer starts again from the
            # committed offsets (the new owner of a partition does the same).
            log.info("dropping %d raw records read ahead of a rebalance", ahead.records)
            return None
        return ahead

    def _unread(
        self, fetched: Mapping[TopicPartition, list[ConsumerRecord[bytes, bytes]]], generation: int
    ) -> None:
        """Put the consumer back before records it returned but that were not translated."""
        assert self._consumer is not None
        if generation != self._generation:
            return  # a rebalance has set every position to the committed offset already
        assigned = self._consumer.assignment()
        for tp, records in fetched.items():
            if tp in assigned:
                self._consumer.seek(tp, records[0].offset)

    def _rebalanced(self) -> None:
        self._generation += 1

    async def _produce(self, outputs: Sequence[_Output]) -> list[asyncio.Future[Any]]:
        """Hand every output to the producer (inside the open transaction); returns the
        futures that resolve when the broker has them.

        Canonical events go in record batches built here, one per partition, chosen as
        the producer's default partitioner chooses (murmur2 of the key): the same
        partitions as ``send()``, without a future, a metadata check and a partitioner
        call per record. Dead letters (rare, and up to 16 MiB each) go through
        ``send()``.
        """
        producer = self._producer
        assert producer is not None
        sent: list[asyncio.Future[Any]] = []
        builders: dict[tuple[str, int], Any] = {}
        partitions: dict[str, list[int]] = {}
        for topic, record in outputs:
            if topic == self._deadletter_topic:
                sent.append(
                    await producer.send(
                        topic, value=record.value, key=record.key, headers=list(record.headers)
                    )
                )
                continue
            known = partitions.get(topic)
            if known is None:
                known = partitions[topic] = sorted(await producer.partitions_for(topic))
            partition = self._partitioner(record.key, known, known)
            builder = builders.get((topic, partition))
            if builder is None:
                builder = builders[topic, partition] = producer.create_batch()
            # aiokafka's record builder takes the headers as a list only.
            headers = list(record.headers)
            if (
                builder.append(key=record.key, value=record.value, timestamp=None, headers=headers)
                is None
            ):
                # Full: on its way, and a new batch for this partition.
                sent.append(await producer.send_batch(builder, topic, partition=partition))
                builder = builders[topic, partition] = producer.create_batch()
                builder.append(key=record.key, value=record.value, timestamp=None, headers=headers)
        for (topic, partition), builder in builders.items():
            sent.append(await producer.send_batch(builder, topic, partition=partition))
        return sent

    def _translate(self, record: ConsumerRecord[bytes, bytes]) -> list[_Output]:
        partner = ""
        try:
            raw = RawMessage.from_kafka(record.key, record.value, record.headers)
            partner = raw.partner
            adapter = self._adapters.get(partner)
            if adapter is None:
                raise UnsupportedMessage(f"no inbound adapter for partner {partner!r}")
            result = adapter(raw)
            # What as_translation() does, without a Translation for every plain list.
            events: Sequence[CanonicalEvent]
            if isinstance(result, Translation):
                events, failures = result.events, list(result.failures)
            else:
                events, failures = tuple(result), []
            # Serialised here, inside the guard: an event that cannot be written (a lone
            # surrogate from a JSON escape, say) is a bad message, not a reason to stop.
            orders, signals = self._orders_topic, self._signals_topic
            outputs = [
                _Output(signals if event.data.restricted else orders, event.to_kafka())
                for event in events
            ]
        except (TranslationError, ContractError) as exc:
            return [self._dead_letter(record, partner, exc)]
        except Exception as exc:  # an adapter bug must not stop every other partner
            log.exception("adapter for %s failed unexpectedly", partner or "?")
            return [self._dead_letter(record, partner, exc, message="unexpected adapter error")]
        if failures:
            if len(failures) > MAX_PART_DEAD_LETTERS:
                cut = MAX_PART_DEAD_LETTERS - 1
                failures = [*failures[:cut], _summary(failures[cut:])]
            outputs += [self._dead_letter(record, partner, failure) for failure in failures]
        return outputs

    def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        partner: str,
        exc: Exception,
        *,
        message: str | None = None,
    ) -> _Output:
        letter = DeadLetter(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            stage=STAGE,
            exception=type(exc).__name__,
            message=message or str(exc),
            partner=partner,
            message_id=getattr(exc, "message_id", ""),
        )
        log.warning("dead letter: %s offset %d: %s", record.topic, record.offset, letter.exception)
        return _Output(
            self._deadletter_topic,
            letter.to_kafka(record.key, record.value, tuple(record.headers)),
        )


class _Rebalances(ConsumerRebalanceListener):  # type: ignore[misc]
    """Tells the translator when the consumer's partitions are revoked or assigned."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._changed()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._changed()


def _summary(failures: list[TranslationError]) -> TranslationError:
    """One failure standing for many: their count, kinds and parts (never their text)."""
    kinds = sorted({type(failure).__name__ for failure in failures})
    parts = ", ".join(failure.message_id or "?" for failure in failures)
    if len(parts) > 1000:
        parts = parts[:1000] + ", ..."
    return TranslationError(
        f"{len(failures)} more bad parts ({', '.join(kinds)}): {parts}",
        message_id=f"{len(failures)} more",
    )
