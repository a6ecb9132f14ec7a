"""The one piece of aiokafka that ketenbus tunes: how soon a transaction asks again."""

from __future__ import annotations

import inspect

from aiokafka.producer import sender

from contracts.kafka import TRANSACTION_RETRY_SECONDS


def test_a_transaction_retries_after_two_milliseconds_not_twenty() -> None:
    assert sender.BACKOFF_OVERRIDE == TRANSACTION_RETRY_SECONDS == 0.002


def test_aiokafka_still_reads_the_constant_when_the_markers_are_being_written() -> None:
    # If a release stops using it, the tuning is gone: this fails instead.
    source = inspect.getsource(sender.AddPartitionsToTxnHandler.handle_response)
    assert "ConcurrentTransactions" in source
    assert "return BACKOFF_OVERRIDE" in source
