"""Small router state kept in compacted Kafka topics, the way Kafka Streams keeps its stores.

A destination that must remember something across restarts (the last status applied
to each order; the data warehouse's running counts) writes it to a compacted topic
keyed by what it is about, and reads the topic back at start and after every
rebalance. Compaction keeps the latest value per key, so the topic stays as small
as the state. Nothing to run besides Kafka, and any router instance can take over.
"""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import KafkaSettings

COMPACTED = {"cleanup.policy": "compact"}
"""Topic configuration of a state topic."""


async def read_compacted(kafka: KafkaSettings, topic: str) -> dict[bytes, bytes]:
    """Every key's latest value in ``topic``, read from its start to its end as of now.

    ``read_committed``: state written in an aborted transaction is not state. A
    tombstone (a record without a value) removes its key.
    """
    partitions = [TopicPartition(topic, number) for number in await _partitions(kafka, topic)]
    state: dict[bytes, bytes] = {}
    if not partitions:
        return state
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=f"{kafka.client_id}-state-{uuid.uuid4().hex[:8]}",
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        retry_backoff_ms=20,  # a topic created a moment ago may still be electing leaders
        fetch_max_wait_ms=50,  # reading to a known end: no long polls
    )
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
            for records in batch.values():
                for record in records:
                    if record.key is None:
                        continue
                    if record.value is None:
                        state.pop(record.key, None)
                    else:
                        state[record.key] = record.value
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return state


async def _partitions(kafka: KafkaSettings, topic: str) -> list[int]:
    """The partition numbers of ``topic`` from the broker (none if it does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(partition["partition"] for partition in described["partitions"])
