"""Small router state kept in compacted Kafka topics, the way Kafka Streams keeps its stores.

A destination that must remember something across restarts (the last status applied
to each order; the data warehouse's running counts) writes it to a compacted topic
keyed by what it is about, and reads the topic back at start and after every
rebalance. Compaction keeps the latest value per key, so the topic stays as small
as the state. Nothing to run besides Kafka, and any router instance can take over.
"""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from contracts import KafkaSettings
from kit.kafka import clients

COMPACTED = {"cleanup.policy": "compact"}
"""Topic configuration of a state topic."""


def compacted_for(retention_ms: int) -> dict[str, str]:
    """Topic configuration of a state topic whose records matter for ``retention_ms`` only
    (compacted, and a segment whose newest record is older than that is deleted)."""
    return {"cleanup.policy": "compact,delete", "retention.ms": str(retention_ms)}


FETCH_MAX_BYTES = 32 * 1024 * 1024
"""Enough for the largest record ketenbus writes (a translate dead letter carries a raw
original of up to 16 MiB)."""


async def read_compacted(kafka: KafkaSettings, topic: str) -> dict[bytes, bytes]:
    """Every key's latest value in ``topic``, read from its start to its end as of now.

    ``read_committed``: state written in an aborted transaction is not state. A
    tombstone (a record without a value) removes its key.
    """
    state: dict[bytes, bytes] = {}
    for record in await read_to_end(kafka, topic):
        if record.key is None:
            continue
        if record.value is None:
            state.pop(record.key, None)
        else:
            state[record.key] = record.value
    return state


async def read_to_end(kafka: KafkaSettings, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every committed record of ``topic`` from its start to its end as of now, in
    partition and offset order (none if the topic does not exist)."""
    partitions = [TopicPartition(topic, number) for number in await topic_partitions(kafka, topic)]
    return await read_partitions_to_end(kafka, partitions)


async def read_partitions_to_end(
    kafka: KafkaSettings, partitions: list[TopicPartition]
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every committed record of these partitions from their start to their end as of
    now, in partition and offset order (the partitions must exist)."""
    records: list[ConsumerRecord[bytes, bytes]] = []
    if not partitions:
        return records
    consumer = end_reader(kafka, "state")
    await consumer.start()
    try:
        # The end first: asked while a fetch waits, it would queue behind the fetch.
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
    records.sort(key=lambda record: (record.topic, record.partition, record.offset))
    return records


def end_reader(kafka: KafkaSettings, purpose: str) -> AIOKafkaConsumer:
    """A group-less ``read_committed`` consumer for reading topics to a known end."""
    return clients.consumer(
        kafka,
        client=f"{purpose}-{uuid.uuid4().hex[:8]}",
        group_id=None,
        auto_offset_reset="none",
        retry_backoff_ms=20,  # a topic created a moment ago may still be electing leaders
        fetch_max_wait_ms=50,  # reading to a known end: no long polls
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=FETCH_MAX_BYTES,
    )


async def topic_partitions(kafka: KafkaSettings, topic: str) -> list[int]:
    """The partition numbers of ``topic`` from the broker (none if it does not exist)."""
    admin = clients.admin(kafka)
    await admin.start()
    try:
        if topic not in set(await admin.list_topics()):
            return []
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(partition["partition"] for partition in described["partitions"])
