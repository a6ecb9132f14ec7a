"""Parking a fact a destination could not take, with what ops needs to fix and replay it.

A destination's dead letters are read by the people who look after that
destination, so a dead letter holds no more than the destination was entitled to:

* a readable fact is parked as the destination's *view* of it (the fields it may
  not see are not there), in the same CloudEvents binding, so a replay to that
  destination sends exactly the call it would have sent;
* an unreadable record is parked without its bytes (they may hold anything, even a
  social signal); the Connect-style headers point at the original (topic,
  partition, offset) for someone entitled to read it there.

The reason is ketenbus's own text (class and call, never the fact's content); the
answer's body is kept for a 400/404/409/422, because it says what to fix.
"""

from __future__ import annotations

from aiokafka import ConsumerRecord

from contracts import CanonicalEvent, DeadLetter, KafkaRecord
from kit.delivery.errors import Rejected


def dead_letter(
    record: ConsumerRecord[bytes, bytes],
    exc: Exception,
    *,
    destination: str,
    attempts: int,
    view: CanonicalEvent | None,
) -> KafkaRecord:
    """The dead-letter record for ``record``, which ``destination`` could not take."""
    letter = DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        stage=destination,
        exception=type(exc).__name__,
        message=str(exc),
        partner=view.ownership.producer if view else "",
        message_id=view.id if view else "",
        destination=destination,
        attempts=attempts,
        response=exc.response_body if isinstance(exc, Rejected) else "",
    )
    if view is None:
        ce_headers = tuple((k, v) for k, v in record.headers if k.startswith("ce_"))
        return letter.to_kafka(record.key, b"", ce_headers)
    parked = view.to_kafka()
    return letter.to_kafka(record.key, parked.value, parked.headers)
