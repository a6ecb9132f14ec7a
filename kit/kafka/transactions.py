"""Kafka transactions: the reader every transactional stage uses, and its fatal errors."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import (
    InvalidProducerEpoch,
    ProducerFenced,
    TransactionalIdAuthorizationFailed,
)

from contracts.kafka import KafkaSettings
from kit.kafka import clients


def committed_reader(
    kafka: KafkaSettings, *topics: str, group_id: str, client: str
) -> AIOKafkaConsumer:
    """A group consumer that sees committed transactions only, starts at the earliest
    offset and never commits by itself: the offsets go with the transaction (or, for
    a worker that commits after delivering, with its own commit)."""
    return clients.consumer(
        kafka, *topics, client=client, group_id=group_id, auto_offset_reset="earliest"
    )


FATAL_ERRORS = (ProducerFenced, InvalidProducerEpoch)
"""A producer whose transactional id another producer took: aiokafka's transactional
producer is in FATAL_ERROR for good and must be replaced."""

NOT_AUTHORISED = (TransactionalIdAuthorizationFailed,)
"""The cluster does not let this stage use its transactional ids (ACLs)."""


def quiet_fatal_futures(loop: asyncio.AbstractEventLoop) -> None:
    """Drop asyncio's "Future exception was never retrieved" for fenced producers.

    When a producer is fenced, aiokafka fails futures of its own that nobody awaits
    (the transaction's waiter, its batches' drain waiters); the engine has already
    turned the fence into one clear line, so these would only add tracebacks. Every
    other unhandled error still reaches the default handler.
    """
    quiet = FATAL_ERRORS + NOT_AUTHORISED

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), quiet) and "never retrieved" in str(
            context.get("message", "")
        ):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handle)
