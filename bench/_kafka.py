"""Filling topics fast and cleaning up the benchmark's own topics afterwards.

Filling is set-up, not measured: records go in per-partition batches
(``send_batch``), which is far quicker than one ``send`` per record.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

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
    producer = _filler(kafka, compression)
    await producer.start()
    try:
        return await _append(producer, topic, records, progress)
    finally:
        await producer.stop()


HELD_FILL_TIMEOUT_MS = 600_000
"""How long a held fill may stay open (the broker's default maximum is 15 minutes)."""


@contextlib.asynccontextmanager
async def held_fill(
    kafka: KafkaSettings,
    topic: str,
    records: Iterable[KafkaRecord],
    *,
    transactional_id: str,
    compression: str | None = None,
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Fill ``topic`` in one transaction that stays open until the caller releases it.

    ``read_committed`` readers see none of the records before the release and all of
    them at once after it: the processes under test start, join their group and sit
    idle, and then the work is there for all of them at the same moment. Not released,
    the transaction is aborted on leaving.
    """
    producer = _filler(
        kafka,
        compression,
        transactional_id=transactional_id,
        transaction_timeout_ms=HELD_FILL_TIMEOUT_MS,
    )
    await producer.start()
    try:
        await producer.begin_transaction()
        await _append(producer, topic, records, None)
        released = False

        async def release() -> None:
            nonlocal released
            await producer.commit_transaction()
            released = True

        yield release
        if not released:
            await producer.abort_transaction()
    finally:
        await producer.stop()


def _filler(kafka: KafkaSettings, compression: str | None, **options: Any) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers,
        acks="all",
        compression_type=compression,
        max_batch_size=_BATCH_BYTES,
        max_request_size=4 * _BATCH_BYTES,
        **options,
    )


async def _append(
    producer: AIOKafkaProducer,
    topic: str,
    records: Iterable[KafkaRecord],
    progress: Callable[[int], None] | None,
) -> int:
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


async def delete_topics(kafka: KafkaSettings, prefix: str) -> list[str]:
    """Delete every topic named with the benchmark's own ``prefix`` (and nothing else)."""
    if not prefix.startswith("bench"):
        raise ValueError("only the benchmark's own topics (prefix 'bench...') are deleted")
    return await delete_prefixed_topics(kafka.model_copy(update={"topic_prefix": prefix}))
