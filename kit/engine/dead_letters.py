"""The dead-letter record, built once for every stage.

What a stage could not do with a record is parked on its dead-letter topic with the
context to fix and replay it (``contracts.deadletter``: Kafka Connect's headers plus
ketenbus's own). What the dead letter carries depends on who reads it:

* the translator and the assigner park the **original** (the partner's or the
  maintenance system's bytes, unchanged), for ops to replay once the mapping is fixed;
* a destination parks its **view** of a readable fact (the fields it may not see are
  not there), in the same CloudEvents binding, so a replay to that destination sends
  exactly the call it would have sent: the people who look after a destination see no
  more than it was entitled to;
* an unreadable record on a destination's side is parked **without its bytes** (they
  may hold anything, even a social signal); the headers point at the original (topic,
  partition, offset) for someone entitled to read it there.

The reason is ketenbus's own text (class and call, never the fact's content); the
answer's body is kept for a 400/404/409/422, because it says what to fix.
"""

from __future__ import annotations

from typing import Literal

from aiokafka import ConsumerRecord

from contracts import CanonicalEvent, DeadLetter, KafkaRecord
from kit.delivery.errors import Rejected

ORIGINAL: Literal["original"] = "original"


def dead_letter(
    record: ConsumerRecord[bytes, bytes],
    exc: Exception,
    *,
    stage: str,
    keep: CanonicalEvent | Literal["original"] | None,
    destination: str = "",
    attempts: int = 1,
    partner: str = "",
    message_id: str = "",
    message: str | None = None,
) -> KafkaRecord:
    """The dead-letter record for ``record``, which ``stage`` could not handle.

    ``keep`` is :data:`ORIGINAL`, the destination's view of the fact, or None (no
    bytes). The partner and message id default to the view's producer and id."""
    if isinstance(keep, CanonicalEvent):
        partner = partner or keep.ownership.producer
        message_id = message_id or keep.id
    letter = DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        stage=stage,
        exception=type(exc).__name__,
        message=message or str(exc),
        partner=partner,
        message_id=message_id,
        destination=destination,
        attempts=attempts,
        response=exc.response_body if isinstance(exc, Rejected) else "",
    )
    if isinstance(keep, str):  # ORIGINAL
        return letter.to_kafka(record.key, record.value or b"", tuple(record.headers))
    if keep is None:
        ce_headers = tuple((k, v) for k, v in record.headers if k.startswith("ce_"))
        return letter.to_kafka(record.key, b"", ce_headers)
    parked = keep.to_kafka()
    return letter.to_kafka(record.key, parked.value, parked.headers)
