"""Reading what ketenbus wrote, straight from the real broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from contracts import KafkaSettings


async def read_records(
    kafka: KafkaSettings, topic: str, count: int, *, within: float = 20.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Await ``count`` committed records on ``topic`` (from its beginning), then return all
    records up to the end offsets at that moment, so an unexpected extra one shows too."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(within):
            while len(records) < count:
                batch = await consumer.getmany(timeout_ms=200)
                records += [record for part in batch.values() for record in part]
            end = await consumer.end_offsets(list(consumer.assignment()))
            for tp, offset in end.items():
                while await consumer.position(tp) < offset:
                    batch = await consumer.getmany(tp, timeout_ms=200)
                    records += [record for part in batch.values() for record in part]
    except TimeoutError:
        raise AssertionError(
            f"{topic}: {len(records)} of {count} records within {within} s"
        ) from None
    finally:
        await consumer.stop()
    return records


async def eventually(
    condition: Callable[[], bool], *, within: float = 20.0, what: str = ""
) -> None:
    """Await a condition on live state (checked every 20 ms), failing clearly after ``within``."""
    try:
        async with asyncio.timeout(within):
            while not condition():  # noqa: ASYNC110 - the state offers no event
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not within {within} s: {what}") from None


async def caught_up(kafka: KafkaSettings, group: str, topic: str, *, within: float = 60.0) -> None:
    """Await the consumer group's committed offsets reaching the end of every partition
    of ``topic`` (checked every 50 ms): everything written to it so far was handled."""
    from aiokafka import TopicPartition

    from kit.kafka import clients
    from kit.kafka.state import topic_partitions

    admin = clients.admin(kafka)
    reader = clients.consumer(kafka, client="test-caught-up")
    await admin.start()
    await reader.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await topic_partitions(kafka, topic)]
        end = await reader.end_offsets(partitions)
        committed: dict[TopicPartition, int] = {}
        async with asyncio.timeout(within):
            while any(committed.get(tp, 0) < offset for tp, offset in end.items()):
                await asyncio.sleep(0.05)  # the group's offsets on the broker offer no event
                offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
                committed = {tp: meta.offset for tp, meta in offsets.items()}
    except TimeoutError:
        raise AssertionError(
            f"{group} did not reach the end of {topic} within {within} s: {committed} of {end}"
        ) from None
    finally:
        await reader.stop()
        await admin.close()
