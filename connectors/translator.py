"""The translator: raw partner records in, canonical events out, exactly once.

Consume-transform-produce in Kafka transactions: a batch of raw records is read
(``read_committed``), each record goes through its partner's adapter, the canonical
events (or a dead letter) are produced, and the consumer offsets are committed in
the same transaction. A crash at any point leaves either the whole batch or none of
it visible to ``read_committed`` readers, so no fact is written twice and none is
skipped. FastStream has no transactions, so this is aiokafka directly.

The loop is the transactional stage engine (``kit.engine.transactional``): a
transactional producer per raw partition, so any number of ``ketenbus translate``
instances share the raw topics in one consumer group and a zombie is fenced; the next
batch is translated while one commits. This module is the translation of one record.

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
from collections.abc import Mapping, Sequence

from aiokafka import ConsumerRecord

from connectors.adapter import InboundAdapter, Translation
from connectors.errors import TranslationError, UnsupportedMessage
from connectors.seen import SeenIds, state_topic_config
from contracts import CanonicalEvent, ContractError, KafkaSettings, RawMessage
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.engine.dead_letters import ORIGINAL, dead_letter
from kit.engine.stage import StageStats
from kit.engine.transactional import Output, TransactionalEngine, Transformed
from kit.kafka.topics import ensure_copartitioned, ensure_topics

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

EVENT, DEAD_LETTER = "event", "dead_letter"
"""The kinds of output the translator counts."""

DUPLICATE = "duplicate"
"""The outcome of a raw record whose events were all written before (a re-sent message)."""


class Translator:
    """Runs every partner's inbound adapter over its raw topic."""

    def __init__(
        self,
        kafka: KafkaSettings,
        adapters: Mapping[str, InboundAdapter],
        *,
        max_batch: int = 500,
        remember_days: float = 7,
    ) -> None:
        self._kafka = kafka
        self._adapters = dict(adapters)
        self._remember_days = remember_days
        topics = kafka.topics
        self._seen_topics = {topics.raw(p): topics.translate_seen(p) for p in sorted(adapters)}
        """Each raw topic and the topic of the ids written from it."""
        # What was written from each raw partition: a re-sent message is translated once.
        self.seen = SeenIds(kafka, self._seen_topics, remember_days=remember_days)
        self._orders_topic = topics.orders
        self._signals_topic = topics.signals
        self._deadletter_topic = topics.deadletter(STAGE)
        # Environments sharing a cluster (a topic prefix each) get groups of their own.
        self.engine = TransactionalEngine(
            kafka,
            stage="translator",
            group_id=f"{kafka.topic_prefix}ketenbus-translator",
            inputs=self.raw_topics,
            outputs=[
                topics.orders,
                topics.signals,
                self._deadletter_topic,
                *self._seen_topics.values(),
            ],
            transform=self.translate,
            state=self.seen,
            max_batch=max_batch,
            # Dead letters carry the raw original (up to the largest raw topic's limit).
            producer_options={"max_request_size": DEADLETTER_MAX_BYTES},
        )

    @property
    def raw_topics(self) -> list[str]:
        return [self._kafka.topics.raw(partner) for partner in sorted(self._adapters)]

    @property
    def stats(self) -> StageStats:
        return self.engine.stats

    async def start(self) -> None:
        await self._ensure_topics()
        await self.engine.start()

    async def stop(self) -> None:
        await self.engine.stop()

    async def run(self, stopping: asyncio.Event) -> None:
        """Translate until ``stopping`` is set; a failed batch is aborted and read again."""
        await self._ensure_topics()
        await self.engine.run(stopping)

    async def _ensure_topics(self) -> None:
        topics = self._kafka.topics
        await ensure_topics(self._kafka, self.raw_topics, RAW_TOPIC_CONFIG)
        # A dead letter carries the raw original, so it needs the largest raw size too.
        await ensure_topics(self._kafka, [self._deadletter_topic], DEADLETTER_TOPIC_CONFIG)
        await ensure_topics(self._kafka, [topics.orders, topics.signals])
        await ensure_copartitioned(
            self._kafka, self._seen_topics, state_topic_config(self._remember_days)
        )

    async def step(self, timeout_ms: int = 500) -> int:
        """Translate one batch (a transaction per raw partition); returns its records."""
        return await self.engine.step(timeout_ms)

    def translate(self, record: ConsumerRecord[bytes, bytes]) -> Transformed:
        """One raw record: its canonical events, or its dead letters (never raises)."""
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
                Output(signals if event.data.restricted else orders, event.to_kafka(), EVENT)
                for event in events
            ]
            # Claimed once they can be written: a message dead-lettered here is not
            # remembered, so its replay after a fix is translated.
            if events:
                fresh = self.seen.claim(
                    record.topic, record.partition, raw.received_at, [e.id for e in events]
                )
                if len(fresh) < len(events):
                    log.debug(
                        "translate: %s-%d offset %d: %d of %d events were written before",
                        record.topic,
                        record.partition,
                        record.offset,
                        len(events) - len(fresh),
                        len(events),
                    )
                    outputs = [outputs[i] for i in fresh]
                    if not outputs and not failures:
                        return Transformed(DUPLICATE, [])
        except (TranslationError, ContractError) as exc:
            return Transformed("dead_lettered", [self._dead_letter(record, partner, exc)])
        except Exception as exc:  # an adapter bug must not stop every other partner
            log.exception("adapter for %s failed unexpectedly", partner or "?")
            letter = self._dead_letter(record, partner, exc, message="unexpected adapter error")
            return Transformed("dead_lettered", [letter])
        if not failures:
            return Transformed("translated", outputs)
        if len(failures) > MAX_PART_DEAD_LETTERS:
            cut = MAX_PART_DEAD_LETTERS - 1
            failures = [*failures[:cut], _summary(failures[cut:])]
        outputs += [self._dead_letter(record, partner, failure) for failure in failures]
        return Transformed("partly_translated", outputs)

    def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        partner: str,
        exc: Exception,
        *,
        message: str | None = None,
    ) -> Output:
        name = type(exc).__name__
        log.warning("dead letter: %s offset %d: %s", record.topic, record.offset, name)
        letter = dead_letter(
            record,
            exc,
            stage=STAGE,
            keep=ORIGINAL,
            partner=partner,
            message_id=getattr(exc, "message_id", ""),
            message=message,
        )
        return Output(self._deadletter_topic, letter, DEAD_LETTER)


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
