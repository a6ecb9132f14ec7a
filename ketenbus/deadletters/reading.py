"""Reading dead letters (and the originals they point at) from Kafka, as they are.

A dead letter's headers say everything ops need to decide: Kafka Connect's
``__connect.errors.*`` (where the record came from, the error's class and message) and
ketenbus's ``kb_dlq_*`` (partner, event id, destination, attempts, time, the answer).
Its value is the record as the stage had it; it is kept here for ``show --value`` and
for replays, and nothing in this module prints or logs it.

Every read is ``read_committed``: the translator, the assigner and the data
warehouse's worker park in Kafka transactions, and a dead letter of an aborted one
was never parked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import OffsetOutOfRangeError

from contracts import DeadLetterHeader, Headers, KafkaSettings, context_of
from ketenbus.deadletters.errors import OriginalGone

_CONTEXT_NAMES = frozenset(v for k, v in vars(DeadLetterHeader).items() if k.isupper())

FETCH_MAX_BYTES = 32 * 1024 * 1024
"""Translate dead letters carry the raw original, up to 16 MiB each."""


@dataclass(frozen=True)
class Letter:
    """One dead-letter record."""

    stage: str
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers

    @property
    def ref(self) -> str:
        """Its place on the dead-letter topic: ``partition:offset``."""
        return f"{self.partition}:{self.offset}"

    @property
    def context(self) -> dict[str, str]:
        return context_of(self.headers)

    def header(self, name: str) -> str:
        return self.context.get(name, "")

    @property
    def message_id(self) -> str:
        return self.header(DeadLetterHeader.MESSAGE_ID)

    @property
    def origin(self) -> tuple[str, int, int] | None:
        """Where the record came from (topic, partition, offset), if the headers say."""
        topic = self.header(DeadLetterHeader.TOPIC)
        try:
            partition = int(self.header(DeadLetterHeader.PARTITION))
            offset = int(self.header(DeadLetterHeader.OFFSET))
        except ValueError:
            return None
        return (topic, partition, offset) if topic else None

    @property
    def dedupe_key(self) -> str:
        """What makes two dead-letter records one dead letter: the message id, else the
        original's ``topic:partition:offset`` (a crash between parking and committing
        parks the same record twice, with the same both), else its own place."""
        if self.message_id:
            return self.message_id
        origin = self.origin
        if origin is not None:
            return ":".join(str(part) for part in origin)
        return f"{self.topic}:{self.ref}"

    @property
    def original_headers(self) -> Headers:
        """The headers the record had before it was parked: the dead letter's own context
        removed (a replay must not carry the old failure along)."""
        return tuple((name, raw) for name, raw in self.headers if name not in _CONTEXT_NAMES)

    @property
    def parked_without_bytes(self) -> bool:
        return not self.value


def letter_of(stage: str, record: ConsumerRecord[bytes, bytes]) -> Letter:
    return Letter(
        stage=stage,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value or b"",
        headers=tuple(record.headers),
    )


async def existing_topics(kafka: KafkaSettings) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _partitions(kafka: KafkaSettings, topic: str) -> list[int]:
    """The partition numbers of ``topic`` (none if it does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            return []
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(partition["partition"] for partition in described["partitions"])


def _consumer(kafka: KafkaSettings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=f"{kafka.client_id}-deadletters-{uuid.uuid4().hex[:8]}",
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="none",
        retry_backoff_ms=20,
        fetch_max_wait_ms=50,  # reading to a known end: no long polls
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=FETCH_MAX_BYTES,
    )


async def read_topic(kafka: KafkaSettings, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every committed record of ``topic`` from its start to its end as of now, in
    partition and offset order (none if the topic does not exist)."""
    consumer = _consumer(kafka)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        partitions = [TopicPartition(topic, number) for number in await _partitions(kafka, topic)]
        if not partitions:
            return records
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        if remaining:
            consumer.assign(sorted(remaining))
            await consumer.seek_to_beginning(*remaining)
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=200)
            for tp, part in batch.items():
                records += [record for record in part if record.offset < ends[tp]]
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    records.sort(key=lambda record: (record.partition, record.offset))
    return records


async def read_original(
    kafka: KafkaSettings, topic: str, partition: int, offset: int
) -> ConsumerRecord[bytes, bytes]:
    """The record at (topic, partition, offset), or :class:`OriginalGone` saying why not
    (the topic is gone, retention removed it, it was never committed)."""
    consumer = _consumer(kafka)
    await consumer.start()
    try:
        if partition not in await _partitions(kafka, topic):
            raise OriginalGone(topic, partition, offset, "the topic or partition does not exist")
        tp = TopicPartition(topic, partition)
        first = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        if offset < first:
            raise OriginalGone(
                topic, partition, offset, f"retention removed it (the log starts at {first})"
            )
        if offset >= end:
            raise OriginalGone(topic, partition, offset, f"the log ends at {end}")
        consumer.assign([tp])
        consumer.seek(tp, offset)
        while await consumer.position(tp) < end:
            try:
                batch = await consumer.getmany(tp, timeout_ms=500)
            except OffsetOutOfRangeError:
                raise OriginalGone(topic, partition, offset, "retention removed it") from None
            for record in batch.get(tp, []):
                if record.offset == offset:
                    return record
                if record.offset > offset:
                    break  # skipped: not committed (an aborted transaction's record)
            else:
                continue
            break
        raise OriginalGone(topic, partition, offset, "no committed record at that offset")
    finally:
        await consumer.stop()
