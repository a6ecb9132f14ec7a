"""A translator whose partition's producer is fenced gives the partition up with one
clear line, takes it back from the committed offset, and goes on.

R5 (before the per-partition producers): a fenced producer in aiokafka's fatal state
was asked to begin a transaction (``AssertionError: Invalid state transition
FATAL_ERROR -> IN_TRANSACTION``, "Future exception was never retrieved"). Here a real
``ketenbus translate`` process is fenced on every raw partition of Maasdal by producers
with their transactional ids, as the partitions' next owner would fence them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from contracts import RawMessage
from contracts.kafka import KafkaSettings
from tests.kafka_helpers import read_records
from tests.processes.helpers import ketenbus, write_config
from tests.samples import partner_sample, raw

pytestmark = pytest.mark.kafka


async def fence_and_send(kafka: KafkaSettings, message: RawMessage) -> None:
    """Take every Maasdal partition's transactional id, then give it a record."""
    topic = kafka.topics.raw("maasdal")
    for partition in range(kafka.partitions):
        zombie_killer = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap_servers,
            transactional_id=f"{kafka.topic_prefix}ketenbus-translator-{topic}-{partition}",
            enable_idempotence=True,
        )
        await zombie_killer.start()  # InitProducerId: the translator's epoch is over
        await zombie_killer.stop()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        record = message.to_kafka()
        await producer.send_and_wait(
            topic, value=record.value, key=record.key, headers=list(record.headers)
        )
    finally:
        await producer.stop()


def test_a_fenced_partition_is_given_up_in_one_line_and_taken_back(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    config = write_config(tmp_path, kafka)
    message = raw("maasdal", partner_sample("maasdal", "01-status-acc.json"))
    with ketenbus("translate", config, tmp_path) as translate:
        translate.wait_for_line("translate running", within=90)
        # Its producers are started (the fence must come after them, as a next owner's).
        translate.wait_for_line("translator: writing for ", within=60)
        asyncio.run(fence_and_send(kafka, message))
        (fact,) = asyncio.run(read_records(kafka, kafka.topics.orders, 1, within=60))
        assert translate.popen.poll() is None, translate.text()
        assert translate.stop() == 0

    log = translate.text()
    fenced = [line for line in log.splitlines() if "taken over" in line]
    assert len(fenced) == 1, log
    assert " WARNING kit.engine.transactional: translator: partition " in fenced[0]
    assert fenced[0].endswith("was taken over by another instance (ProducerFenced); giving it up")
    assert dict(fact.headers)["ce_subject"] == b"WL-2026-004711"
    assert "Traceback" not in log
    assert "Future exception was never retrieved" not in log
    assert "Invalid state transition" not in log
