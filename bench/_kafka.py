"""Filling topics fast and cleaning up the benchmark's own topics afterwards.

Filling is set-up, not measured: records go in per-partition batches
(``send_batch``), which is far quicker than one ``send`` per record.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaProducer

from contracts import KafkaRecord, KafkaSettings
from kit.kafka.topics import delete_prefixed_topics

_BATCH_BYTES = 512 * 1024


async def fill_topic(
    kafka: KafkaSettings,
    topic: str,
    records: Iterable[KafkaRecord],
    *,
    compression: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append ``records`` to ``topic`` round-robin over its partitions; returns the count."""
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers,
        acks="all",
        compression_type=compression,
        max_batch_size=_BATCH_BYTES,
        max_request_size=4 * _BATCH_BYTES,
    )
    await producer.start()
    try:
        partitions = sorted(await producer.partitions_for(topic))
        cycle = itertools.cycle(partitions)
        batch = producer.create_batch()
        in_batch = 0
        count = 0
        pending = []
        for record in records:
            headers = list(record.headers)
            if batch.append(key=record.key, value=record.value, timestamp=None, headers=headers):
                in_batch += 1
                count += 1
                continue
            pending.append(await producer.send_batch(batch, topic, partition=next(cycle)))
            if progress is not None:
                progress(in_batch)
            batch = producer.create_batch()
            batch.append(key=record.key, value=record.value, timestamp=None, headers=headers)
            in_batch, count = 1, count + 1
            if len(pending) >= 16:
                for future in pending:
                    await future
                pending.clear()
        if in_batch:
            pending.append(await producer.send_batch(batch, topic, partition=next(cycle)))
            if progress is not None:
                progress(in_batch)
        for future in pending:
            await future
        return count
    finally:
        await producer.stop()


async def delete_topics(kafka: KafkaSettings, prefix: str) -> list[str]:
    """Delete every topic named with the benchmark's own ``prefix`` (and nothing else)."""
    if not prefix.startswith("bench"):
        raise ValueError("only the benchmark's own topics (prefix 'bench...') are deleted")
    return await delete_prefixed_topics(kafka.model_copy(update={"topic_prefix": prefix}))
