"""The translator: raw partner records in, canonical events out, exactly once.

Consume-transform-produce in Kafka transactions: a batch of raw records is read
(``read_committed``), each record goes through its partner's adapter, the canonical
events (or a dead letter) are produced, and the consumer offsets are committed in
the same transaction. A crash at any point leaves either the whole batch or none of
it visible to ``read_committed`` readers, so no fact is written twice and none is
skipped. FastStream has no transactions, so this is aiokafka directly.

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
from collections.abc import Mapping
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from connectors.adapter import InboundAdapter, as_translation
from connectors.errors import TranslationError, UnsupportedMessage
from contracts import (
    ContractError,
    DeadLetter,
    KafkaRecord,
    KafkaSettings,
    RawMessage,
    ensure_topics,
)
from contracts.kafka import RAW_TOPIC_CONFIG

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


@dataclass
class TranslatorStats:
    """Counters since start, for the demo, ops and tests."""

    records: int = 0
    events: int = 0
    dead_letters: int = 0
    batches: int = 0
    aborted_batches: int = 0


@dataclass(frozen=True)
class _Output:
    topic: str
    record: KafkaRecord


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
        self.stats = TranslatorStats()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None

    @property
    def raw_topics(self) -> list[str]:
        return [self._kafka.topics.raw(partner) for partner in sorted(self._adapters)]

    async def start(self) -> None:
        topics = self._kafka.topics
        await ensure_topics(self._kafka, self.raw_topics, RAW_TOPIC_CONFIG)
        # A dead letter carries the raw original, so it needs the largest raw size too.
        await ensure_topics(self._kafka, [topics.deadletter(STAGE)], DEADLETTER_TOPIC_CONFIG)
        await ensure_topics(self._kafka, [topics.orders, topics.signals])
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-translator",
            transactional_id=self._transactional_id,
            enable_idempotence=True,
            acks="all",
            # Dead letters carry the raw original (up to the largest raw topic's limit).
            max_request_size=DEADLETTER_MAX_BYTES,
        )
        self._consumer = AIOKafkaConsumer(
            *self.raw_topics,
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-translator",
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
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
            backoff = 0.5
            while not stopping.is_set():
                try:
                    await self.step()
                    backoff = 0.5
                except KafkaError as exc:
                    self.stats.aborted_batches += 1
                    log.warning("translate batch aborted (%s); retrying", type(exc).__name__)
                    await self._rewind()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            await self.stop()

    async def step(self, timeout_ms: int = 500) -> int:
        """Translate one batch in one transaction; returns the number of raw records."""
        assert self._consumer is not None
        assert self._producer is not None
        batch = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=self._max_batch)
        if not batch:
            return 0
        outputs = [
            output for records in batch.values() for record in records
            for output in self._translate(record)
        ]  # fmt: skip
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        async with self._producer.transaction():
            sends = [
                await self._producer.send(
                    output.topic,
                    value=output.record.value,
                    key=output.record.key,
                    headers=list(output.record.headers),
                )
                for output in outputs
            ]
            await asyncio.gather(*sends)
            await self._producer.send_offsets_to_transaction(offsets, self._group_id)
        # Counted only once the transaction committed: an aborted batch is read again.
        count = sum(len(records) for records in batch.values())
        dead = sum(1 for output in outputs if output.topic == self._kafka.topics.deadletter(STAGE))
        self.stats.batches += 1
        self.stats.records += count
        self.stats.dead_letters += dead
        self.stats.events += len(outputs) - dead
        return count

    def _translate(self, record: ConsumerRecord[bytes, bytes]) -> list[_Output]:
        headers = tuple(record.headers)
        partner = ""
        try:
            raw = RawMessage.from_kafka(record.key, record.value, headers)
            partner = raw.partner
            adapter = self._adapters.get(partner)
            if adapter is None:
                raise UnsupportedMessage(f"no inbound adapter for partner {partner!r}")
            translation = as_translation(adapter(raw))
        except (TranslationError, ContractError) as exc:
            return [self._dead_letter(record, partner, exc)]
        except Exception as exc:  # an adapter bug must not stop every other partner
            log.exception("adapter for %s failed unexpectedly", partner or "?")
            return [self._dead_letter(record, partner, exc, message="unexpected adapter error")]
        outputs = [
            _Output(self._kafka.topics.for_fact(event.data.restricted), event.to_kafka())
            for event in translation.events
        ]
        failures = list(translation.failures)
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
            self._kafka.topics.deadletter(STAGE),
            letter.to_kafka(record.key, record.value, tuple(record.headers)),
        )

    async def _rewind(self) -> None:
        """After an aborted transaction, read again from the last committed offsets."""
        assert self._consumer is not None
        for tp in self._consumer.assignment():
            committed = await self._consumer.committed(tp)
            if committed is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(TopicPartition(tp.topic, tp.partition), committed)


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
