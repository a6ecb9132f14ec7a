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

from dataclasses import dataclass

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError

from contracts import DeadLetterHeader, Headers, KafkaSettings, context_of
from ketenbus.deadletters.errors import OriginalGone
from kit.kafka import clients
from kit.kafka.state import end_reader, topic_partitions

_CONTEXT_NAMES = frozenset(v for k, v in vars(DeadLetterHeader).items() if k.isupper())


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
    admin = clients.admin(kafka)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def read_original(
    kafka: KafkaSettings, topic: str, partition: int, offset: int
) -> ConsumerRecord[bytes, bytes]:
    """The record at (topic, partition, offset), or :class:`OriginalGone` saying why not
    (the topic is gone, retention removed it, it was never committed)."""
    consumer = end_reader(kafka, "deadletters")
    await consumer.start()
    try:
        if partition not in await topic_partitions(kafka, topic):
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
