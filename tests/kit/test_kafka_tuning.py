"""The one piece of aiokafka that ketenbus tunes: how soon a transaction asks again."""

from __future__ import annotations

import inspect
import subprocess
import sys

from aiokafka.producer import sender

from contracts import KafkaSettings
from kit.kafka import clients
from kit.kafka.clients import TRANSACTION_RETRY_SECONDS


async def test_a_transaction_retries_after_two_milliseconds_not_twenty() -> None:
    sender.BACKOFF_OVERRIDE = 0.02  # aiokafka's own value
    clients.producer(KafkaSettings(), "translator", transactional_id="t-0")
    assert sender.BACKOFF_OVERRIDE == TRANSACTION_RETRY_SECONDS == 0.002


def test_aiokafka_still_reads_the_constant_when_the_markers_are_being_written() -> None:
    # If a release stops using it, the tuning is gone: this fails instead.
    source = inspect.getsource(sender.AddPartitionsToTxnHandler.handle_response)
    assert "ConcurrentTransactions" in source
    assert "return BACKOFF_OVERRIDE" in source


def test_import_contracts_loads_no_kafka_client() -> None:
    """The contract is for every reader of the topics: importing it neither loads a
    Kafka client nor patches one (a fresh interpreter, so this suite's imports do not count)."""
    probe = "import sys, contracts; print(sorted(m for m in sys.modules if 'aiokafka' in m))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
