"""What every consume-transform-produce loop of ketenbus shares (Kafka transactions).

The translator, the outbound assigner and the data warehouse's delivery each read a
batch, write what it becomes and the consumer offsets in one Kafka transaction, and
read the batch again when the transaction is aborted. The reader they use, putting
it back to the committed offsets, and the loop that retries an aborted batch are
the same for all of them, so they live here once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    ProducerFenced,
    TransactionalIdAuthorizationFailed,
)

from contracts.kafka import KafkaSettings
from kit.kafka import clients

log = logging.getLogger(__name__)

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0


def committed_reader(
    kafka: KafkaSettings, *topics: str, group_id: str, client: str
) -> AIOKafkaConsumer:
    """A group consumer that sees committed transactions only, starts at the earliest
    offset and never commits by itself: the offsets go with the transaction (or, for
    a worker that commits after delivering, with its own commit)."""
    return clients.consumer(
        kafka, *topics, client=client, group_id=group_id, auto_offset_reset="earliest"
    )


async def rewind_to_committed(consumer: AIOKafkaConsumer) -> None:
    """After an aborted transaction: every assigned partition back to its committed
    offset (its beginning if nothing was committed), so the batch is read again."""
    for tp in consumer.assignment():
        committed = await consumer.committed(tp)
        if committed is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)


class Fenced(RuntimeError):
    """Another producer took this stage's transactional id: its producer is in a fatal
    state and can neither abort nor begin a transaction, so the process must stop (a
    second instance with the same id runs, or this one was presumed dead)."""


FATAL_ERRORS = (ProducerFenced, InvalidProducerEpoch, TransactionalIdAuthorizationFailed)
"""Errors after which aiokafka's transactional producer is in FATAL_ERROR for good."""


def quiet_fatal_futures(loop: asyncio.AbstractEventLoop) -> None:
    """Drop asyncio's "Future exception was never retrieved" for :data:`FATAL_ERRORS`.

    When a producer is fenced, aiokafka fails futures of its own that nobody awaits
    (the transaction's waiter, its batches' drain waiters); :func:`run_batches` has
    already turned the fence into :class:`Fenced` and one clear line, so these would
    only add tracebacks. Every other unhandled error still reaches the default handler.
    """

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), FATAL_ERRORS) and "never retrieved" in str(
            context.get("message", "")
        ):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


async def run_batches(
    stopping: asyncio.Event,
    step: Callable[[], Awaitable[object]],
    *,
    aborted: Callable[[], Awaitable[None]],
    what: str,
    transactional_id: str,
) -> None:
    """Run ``step`` (one batch in one transaction) until ``stopping`` is set.

    A ``KafkaError`` means the batch's transaction was aborted: ``aborted`` puts the
    reader (and any state) back to what committed, and the batch is tried again after
    a back-off of 0.5 s that doubles up to 10 s and starts over after a success.

    A fenced producer (:data:`FATAL_ERRORS`) cannot try again: :class:`Fenced` is raised
    with one clear message, which the CLI logs before it exits with 1."""
    backoff = FIRST_BACKOFF_SECONDS
    while not stopping.is_set():
        try:
            await step()
            backoff = FIRST_BACKOFF_SECONDS
        except FATAL_ERRORS as exc:
            raise Fenced(
                f"{what} stopped: another producer took transactional id {transactional_id} "
                f"({type(exc).__name__}); "
                "is a second instance running with the same id?"
            ) from None
        except KafkaError as exc:
            log.warning("%s batch aborted (%s); reading it again", what, type(exc).__name__)
            await aborted()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
