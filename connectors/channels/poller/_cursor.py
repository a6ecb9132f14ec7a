"""The durable cursor: a page's raw records and its cursor in ONE Kafka transaction.

This is how Kafka Connect keeps a source connector's offsets exactly once (KIP-618):
the records a page yields and the position after that page are written by one
transactional producer and become visible together, or not at all. The cursor lives
in a compacted state topic (``keten.state.poller.<partner>``, one partition, key =
partner id), read back at start with ``read_committed``.

* A crash after fetching a page but before the commit leaves neither its records nor
  its cursor visible; the next start reads the previous cursor and fetches the same
  page again. Nothing is lost, and nothing is stored twice for committed readers.
* The transactional id is fixed per partner, so a restarted poller fences its own
  zombie: ``init_transactions`` aborts whatever the dead instance left open, and a
  zombie that wakes up can no longer commit (it gets :class:`PollerFenced`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import InvalidProducerEpoch, KafkaError, ProducerFenced

from connectors.channels.poller.errors import CursorStoreError, PollerFenced
from contracts import KafkaSettings, RawMessage
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka import clients
from kit.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

STATE_TOPIC_CONFIG = {"cleanup.policy": "compact"}

_FENCED = (ProducerFenced, InvalidProducerEpoch)
"""Another producer took the transactional id (a newer epoch): this one is done for."""


def state_topic(kafka: KafkaSettings, partner: str) -> str:
    """Where a partner's poller keeps its cursor."""
    return kafka.topics.poller_cursor(partner)


class CursorStore:
    """Loads the last committed cursor; commits a page's records with the next cursor."""

    def __init__(self, kafka: KafkaSettings, partner: str, *, load_timeout: float = 30.0) -> None:
        self._kafka = kafka
        self.partner = partner
        self.topic = state_topic(kafka, partner)
        self.raw_topic = kafka.topics.raw(partner)
        self.transactional_id = f"{kafka.topic_prefix}ketenbus-poller-{partner}"
        self._load_timeout = load_timeout
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        """Create the topics if needed and fence any earlier instance of this poller."""
        try:
            await ensure_topics(self._kafka, [self.raw_topic], RAW_TOPIC_CONFIG)
            # One partition: the cursor is one value, read back in the order it was written.
            single = self._kafka.model_copy(update={"partitions": 1})
            await ensure_topics(single, [self.topic], STATE_TOPIC_CONFIG)
        except KafkaError as exc:
            raise CursorStoreError(f"Kafka unreachable ({type(exc).__name__})") from exc
        producer = clients.producer(
            self._kafka,
            f"poller-{self.partner}",
            transactional_id=self.transactional_id,
            compression_type="gzip",
            max_request_size=int(RAW_TOPIC_CONFIG["max.message.bytes"]),
        )
        try:
            await producer.start()  # init_transactions: aborts what a dead instance left open
        except KafkaError as exc:
            await producer.stop()
            raise CursorStoreError(f"Kafka unreachable ({type(exc).__name__})") from exc
        self._producer = producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def load(self) -> str | None:
        """The cursor of the last committed page, or None when the poller never committed."""
        consumer = clients.consumer(self._kafka, client=f"poller-{self.partner}-cursor")
        partition = TopicPartition(self.topic, 0)
        cursor: str | None = None
        try:
            await consumer.start()
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            async with asyncio.timeout(self._load_timeout):
                while await consumer.position(partition) < end:
                    batch = await consumer.getmany(partition, timeout_ms=500)
                    for record in batch.get(partition, []):
                        if record.key == self.partner.encode() and record.value is not None:
                            # An unreadable record keeps the cursor before it: reading
                            # some mutaties again is safe, skipping some is not.
                            cursor = _decode(record.value) or cursor
        except (KafkaError, TimeoutError) as exc:
            raise CursorStoreError(f"cannot read the cursor ({type(exc).__name__})") from exc
        finally:
            await consumer.stop()
        return cursor

    async def commit(self, messages: tuple[RawMessage, ...], cursor: str) -> None:
        """Write the page's raw records and its cursor atomically (one transaction)."""
        producer = self._producer
        if producer is None:
            raise CursorStoreError("the cursor store is not started")
        try:
            await producer.begin_transaction()
            try:
                await self._send_records(producer, messages)
                await self._send_cursor(producer, cursor, len(messages))
                await producer.commit_transaction()
            except _FENCED:
                raise  # a fenced producer cannot abort (aiokafka: FATAL_ERROR), nor needs to
            except KafkaError:
                await _abort_quietly(producer)
                raise
        except _FENCED as exc:
            # Either way the producer is done for: restarting it (as for a passing
            # failure) would take the transactional id back from the poller that has it.
            raise PollerFenced(f"another {self.partner} poller took over") from exc
        except KafkaError as exc:
            raise CursorStoreError(f"page not committed ({type(exc).__name__})") from exc

    async def _send_records(
        self, producer: AIOKafkaProducer, messages: tuple[RawMessage, ...]
    ) -> None:
        sends = []
        for message in messages:
            record = message.to_kafka()
            sends.append(
                await producer.send(
                    self.raw_topic, value=record.value, key=record.key, headers=list(record.headers)
                )
            )
        await asyncio.gather(*sends)

    async def _send_cursor(self, producer: AIOKafkaProducer, cursor: str, count: int) -> None:
        value = json.dumps(
            {"cursor": cursor, "records": count, "committed_at": datetime.now(UTC).isoformat()}
        ).encode()
        await producer.send(self.topic, value=value, key=self.partner.encode())


def _decode(value: bytes) -> str | None:
    try:
        document = json.loads(value)
    except ValueError:
        log.error("unreadable cursor record on the state topic: ignored")
        return None
    cursor = document.get("cursor") if isinstance(document, dict) else None
    return cursor if isinstance(cursor, str) else None


async def _abort_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await producer.abort_transaction()
    except KafkaError as exc:
        # The producer is broken (or fenced); a restart's init_transactions cleans up.
        log.warning("abort of the page transaction failed (%s)", type(exc).__name__)
