"""A translator whose transactional id another producer took stops with one clear line.

R5: the shared retry loop (kit/kafka/transactions.py) called ``begin_transaction`` on a
fenced producer, in aiokafka's fatal state: ``AssertionError: Invalid state transition
FATAL_ERROR -> IN_TRANSACTION`` and "Future exception was never retrieved". A real
``ketenbus translate`` process is fenced by a producer with its transactional id.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from contracts.kafka import KafkaSettings
from tests.processes.helpers import ketenbus, write_config
from tests.samples import partner_sample, raw

pytestmark = pytest.mark.kafka


async def fence_and_send(kafka: KafkaSettings) -> None:
    """Take the translator's transactional id, then give it a record to translate."""
    zombie_killer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers,
        transactional_id=f"{kafka.topic_prefix}ketenbus-translator-0",
        enable_idempotence=True,
    )
    await zombie_killer.start()  # InitProducerId: the running translator's epoch is over
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        record = raw("maasdal", partner_sample("maasdal", "01-status-acc.json")).to_kafka()
        await producer.send_and_wait(
            kafka.topics.raw("maasdal"),
            value=record.value,
            key=record.key,
            headers=list(record.headers),
        )
    finally:
        await producer.stop()
        await zombie_killer.stop()


def test_a_fenced_translator_stops_with_one_clear_line(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    config = write_config(tmp_path, kafka)
    with ketenbus("translate", config, tmp_path) as translate:
        translate.wait_for_line("translate running", within=90)
        translate.wait_for_line("Joined group", within=60)
        asyncio.run(fence_and_send(kafka))
        try:
            code = translate.popen.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after being fenced:\n{translate.text()}") from None

    log = translate.text()
    assert code == 1, log
    (line,) = [line for line in log.splitlines() if "another producer took" in line]
    assert " CRITICAL ketenbus: translate stopped: another producer took transactional id " in line
    assert f" {kafka.topic_prefix}ketenbus-translator-0 (ProducerFenced)" in line
    assert "Traceback" not in log
    assert "Future exception was never retrieved" not in log
    assert "Invalid state transition" not in log
