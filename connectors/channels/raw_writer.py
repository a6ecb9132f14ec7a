"""The one durable write every ingress channel makes before it answers a partner.

A channel may tell a partner "stored" only after Kafka has acknowledged the raw
record with ``acks=all`` (design: *nothing is lost*), so :meth:`RawWriter.write`
returns only after that acknowledgement and raises :class:`RawStoreError` otherwise.
The producer is idempotent, so its own internal retries never write a record twice;
a partner's re-send after a failure may, which downstream deduplication absorbs.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from types import TracebackType

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from connectors.channels.errors import RawStoreError
from contracts.kafka import KafkaSettings
from contracts.raw import RawMessage

log = logging.getLogger(__name__)

#: Room for the ``kb_`` headers and the key on top of the largest body a channel
#: accepts (1 MiB for webhooks); the broker still applies its own limit to the
#: (compressed) batch, see docs/channels/webhook.md.
DEFAULT_MAX_RECORD_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RecordLocation:
    """Where Kafka stored a raw record: enough to find it again or to log it."""

    topic: str
    partition: int
    offset: int


class RawWriter:
    """Writes :class:`RawMessage` records to ``keten.raw.<partner>`` and waits for the ack.

    ``start()`` connects and raises :class:`RawStoreError` when Kafka cannot be
    reached; a writer whose start failed connects again on its next ``write()``, so a
    channel that came up while Kafka was down heals by itself instead of needing a
    restart. ``write_timeout`` bounds one write (connecting included) below the
    partner's own time-out, so the partner hears a clear 503 instead of nothing.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        write_timeout: float = 8.0,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        compression_type: str | None = "gzip",
    ) -> None:
        self._kafka = kafka
        self._write_timeout = write_timeout
        self._max_record_bytes = max_record_bytes
        self._compression_type = compression_type
        self._producer: AIOKafkaProducer | None = None
        self._connecting = asyncio.Lock()
        self._stopped = False

    async def __aenter__(self) -> RawWriter:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Connect to Kafka now, so a misconfiguration shows at startup."""
        self._stopped = False
        try:
            async with asyncio.timeout(self._write_timeout):
                await self._connected()
        except TimeoutError as exc:
            raise RawStoreError("Kafka is unreachable") from exc

    async def stop(self) -> None:
        """Flush what is in flight and close; later writes raise :class:`RawStoreError`."""
        self._stopped = True
        async with self._connecting:
            producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def write(self, message: RawMessage) -> RecordLocation:
        """Store one raw record and return where it landed, once Kafka acknowledged it."""
        topic = self._kafka.topics.raw(message.partner)
        record = message.to_kafka()
        try:
            async with asyncio.timeout(self._write_timeout):
                producer = await self._connected()
                metadata = await producer.send_and_wait(
                    topic, value=record.value, key=record.key, headers=list(record.headers)
                )
        except (KafkaError, TimeoutError) as exc:
            log.warning("raw write failed topic=%s error=%s", topic, type(exc).__name__)
            raise RawStoreError(f"Kafka did not acknowledge the record on {topic}") from exc
        return RecordLocation(
            topic=metadata.topic, partition=metadata.partition, offset=metadata.offset
        )

    async def _connected(self) -> AIOKafkaProducer:
        """The started producer, starting a fresh one if there is none yet.

        A failed ``AIOKafkaProducer.start()`` leaves an object that cannot be started
        again, so each attempt builds a new producer. Callers bound the time.
        """
        if self._stopped:
            raise RawStoreError("the raw writer is stopped")
        async with self._connecting:
            if self._producer is not None:
                return self._producer
            producer = AIOKafkaProducer(
                bootstrap_servers=self._kafka.bootstrap_servers,
                client_id=self._kafka.client_id,
                enable_idempotence=True,
                acks="all",
                compression_type=self._compression_type,
                max_request_size=self._max_record_bytes,
                request_timeout_ms=int(self._write_timeout * 1000),
            )
            try:
                await producer.start()
            except BaseException as exc:
                # Also on cancellation (the caller's time-out): never leak a half
                # started producer with open connections.
                await producer.stop()
                log.warning(
                    "Kafka unreachable bootstrap=%s error=%s",
                    self._kafka.bootstrap_servers,
                    type(exc).__name__,
                )
                if isinstance(exc, KafkaError | OSError):
                    raise RawStoreError("Kafka is unreachable") from exc
                raise
            self._producer = producer
            return producer
