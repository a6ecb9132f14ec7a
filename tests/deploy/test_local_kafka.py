"""The local broker does what ketenbus relies on: idempotent producers and transactions.

aiokafka implements only v0 of Kafka's transaction APIs; this proves them against the
Kafka 4 broker the project runs (see docs/architecture.md).
"""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from typer.testing import CliRunner

from contracts import KafkaSettings
from devkit.cli import app as ketenbus_dev
from devkit.local_kafka import LocalKafka
from kit.kafka.topics import ensure_topics
from tests.kafka_helpers import read_records


def test_the_broker_is_a_kraft_node_on_loopback(local_kafka: LocalKafka) -> None:
    assert local_kafka.is_ready()
    assert local_kafka.bootstrap_servers.startswith("127.0.0.1:")
    properties = local_kafka.properties_file.read_text()
    assert "process.roles=broker,controller" in properties
    assert "transaction.state.log.replication.factor=1" in properties
    assert "Kafka Server started" in (local_kafka.log_dir / "server.log").read_text()


def test_ketenbus_dev_kafka_status_names_the_running_broker(local_kafka: LocalKafka) -> None:
    result = CliRunner().invoke(ketenbus_dev, ["kafka", "status"])
    assert result.exit_code == 0, result.output
    ready = f"kafka: ready on {local_kafka.bootstrap_servers} (pid {local_kafka.pid()})"
    assert result.output.strip() == ready


async def test_idempotent_producer_with_acks_all(kafka: KafkaSettings) -> None:
    topic = kafka.topics.raw("probe")
    await ensure_topics(kafka, [topic])
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True, acks="all"
    )
    await producer.start()
    try:
        sent = [await producer.send_and_wait(topic, f"m{i}".encode(), key=b"k") for i in range(3)]
    finally:
        await producer.stop()
    assert [m.offset for m in sent] == [0, 1, 2]
    records = await read_records(kafka, topic, 3)
    assert [r.value for r in records] == [b"m0", b"m1", b"m2"]


async def test_transactions_commit_abort_and_offsets(kafka: KafkaSettings) -> None:
    source, sink = kafka.topics.raw("tx-in"), kafka.topics.raw("tx-out")
    await ensure_topics(kafka, [source, sink])
    group = f"{kafka.topic_prefix}probe-group"
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers,
        transactional_id=f"probe-{uuid.uuid4().hex[:8]}",
        enable_idempotence=True,
        acks="all",
    )
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send_and_wait(sink, b"committed", key=b"k")
            await producer.send_offsets_to_transaction({TopicPartition(source, 0): 7}, group)
        await producer.begin_transaction()
        await producer.send_and_wait(sink, b"aborted", key=b"k")
        await producer.abort_transaction()
        async with producer.transaction():
            await producer.send_and_wait(sink, b"committed again", key=b"k")
    finally:
        await producer.stop()

    records = await read_records(kafka, sink, 2)  # read_committed
    assert [r.value for r in records] == [b"committed", b"committed again"]

    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        assert await consumer.committed(TopicPartition(source, 0)) == 7
    finally:
        await consumer.stop()
