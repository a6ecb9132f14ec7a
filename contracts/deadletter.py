"""Dead-letter records: the original bytes, unchanged, with the context to fix and replay.

The headers follow Kafka Connect's dead-letter convention (``__connect.errors.*``), so
tools that know Connect can read them, plus ketenbus's own ``kb_dlq_*``. The reason is
written by ketenbus, never copied from a partner message, so it holds no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from contracts._envelope import Headers, KafkaRecord


class DeadLetterHeader:
    TOPIC = "__connect.errors.topic"
    PARTITION = "__connect.errors.partition"
    OFFSET = "__connect.errors.offset"
    STAGE = "__connect.errors.stage"
    EXCEPTION = "__connect.errors.exception.class.name"
    MESSAGE = "__connect.errors.exception.message"
    PARTNER = "kb_dlq_partner"
    MESSAGE_ID = "kb_dlq_message_id"
    DESTINATION = "kb_dlq_destination"
    FAILED_AT = "kb_dlq_failed_at"
    ATTEMPTS = "kb_dlq_attempts"
    RESPONSE = "kb_dlq_response"  # the destination's answer, for 400/404/409/422


@dataclass(frozen=True)
class DeadLetter:
    """Why one record could not go on, and where it came from."""

    topic: str
    partition: int
    offset: int
    stage: str  # "translate" or a destination id
    exception: str  # the class name of the typed error
    message: str
    partner: str = ""
    message_id: str = ""
    destination: str = ""
    attempts: int = 1
    response: str = ""

    def to_kafka(self, key: bytes | None, value: bytes, original_headers: Headers) -> KafkaRecord:
        """The dead-letter record: the original key, value and headers, plus the context."""
        context = {
            DeadLetterHeader.TOPIC: self.topic,
            DeadLetterHeader.PARTITION: str(self.partition),
            DeadLetterHeader.OFFSET: str(self.offset),
            DeadLetterHeader.STAGE: self.stage,
            DeadLetterHeader.EXCEPTION: self.exception,
            DeadLetterHeader.MESSAGE: self.message,
            DeadLetterHeader.PARTNER: self.partner,
            DeadLetterHeader.MESSAGE_ID: self.message_id,
            DeadLetterHeader.DESTINATION: self.destination,
            DeadLetterHeader.FAILED_AT: datetime.now(UTC).isoformat(),
            DeadLetterHeader.ATTEMPTS: str(self.attempts),
        }
        if self.response:
            context[DeadLetterHeader.RESPONSE] = self.response
        # A part's id comes from the partner's bytes, and a JSON escape can make it a lone
        # surrogate, which UTF-8 cannot hold: written as its escape, the letter is still
        # written (it failed here before, and the batch with it, again and again).
        headers = (
            *original_headers,
            *((name, text.encode("utf-8", "backslashreplace")) for name, text in context.items()),
        )
        return KafkaRecord(key=key, value=value, headers=headers)


def context_of(headers: Headers) -> dict[str, str]:
    """The dead-letter context headers of a record, decoded (for ops views and tests)."""
    names = {v for k, v in vars(DeadLetterHeader).items() if k.isupper()}
    return {name: raw.decode("utf-8", "replace") for name, raw in headers if name in names}
