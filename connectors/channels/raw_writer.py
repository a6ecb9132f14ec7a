"""The one durable write every ingress channel makes before it answers a partner.

A channel may tell a partner "stored" only after Kafka has acknowledged the raw
record with ``acks=all`` (design: *nothing is lost*), so :meth:`RawWriter.write`
returns only after that acknowledgement and raises :class:`RawStoreError` otherwise.
The producer is idempotent, so its own internal retries never write a record twice;
a partner's re-send after a failure may, which downstream deduplication absorbs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from types import TracebackType

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from connectors.channels.errors import RawStoreError
from contracts.kafka import KafkaSettings
from contracts.raw import RawMessage
from kit.kafka import clients
from kit.kafka.outage import outage

log = logging.getLogger(__name__)

#: Room for the ``kb_`` headers and the key on top of the largest body a channel
#: accepts (1 MiB for webhooks); the broker still applies its own limit to the
#: (compressed) batch, see docs/channels/webhook.md.
DEFAULT_MAX_RECORD_BYTES = 2 * 1024 * 1024

FIRST_RECONNECT_SECONDS = 0.25
MAX_RECONNECT_SECONDS = 2.0
"""Back-off between two attempts to connect a fresh producer after a failed write: a
broker that is back is written to again within about two seconds."""

RETRY_BACKOFF_MS = 250
"""aiokafka's pause between two metadata or produce retries (its default, 100 ms, made
the webhook ask for metadata about ten times a second per partition while Kafka was
away)."""


@dataclass(frozen=True)
class RecordLocation:
    """Where Kafka stored a raw record: enough to find it again or to log it."""

    topic: str
    partition: int
    offset: int


class RawWriter:
    """Writes :class:`RawMessage` records to ``keten.raw.<partner>`` and waits for the ack.

    ``start()`` connects and raises :class:`RawStoreError` when Kafka cannot be
    reached. ``write_timeout`` bounds one write (connecting included) below the
    partner's own time-out, so the partner hears a clear 503 instead of nothing.

    A write that fails throws its producer away and a fresh idempotent producer is
    connected in the background (with back-off): after a broker restart the old one
    may refuse every record with ``OutOfOrderSequenceNumber`` for as long as it lives
    (R1). Until the fresh one is connected, writes fail at once and :attr:`problem`
    says why (the webhook's ``/health``). With ``connect_on_write`` (the default) a
    writer that was never started, or whose start failed, connects on its next write;
    without it, writes before a successful ``start()`` are refused at once (the webhook
    starts its writer only once Kafka answers and its topics exist).
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        write_timeout: float = 8.0,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        compression_type: str | None = "gzip",
        connect_on_write: bool = True,
    ) -> None:
        self._kafka = kafka
        self._write_timeout = write_timeout
        self._max_record_bytes = max_record_bytes
        self._compression_type = compression_type
        self._connect_on_write = connect_on_write
        self._producer: AIOKafkaProducer | None = None
        self._connecting = asyncio.Lock()
        self._stopped = False
        self._outage = outage(kafka)
        self._reconnecting: asyncio.Task[None] | None = None
        self._retiring: set[asyncio.Task[None]] = set()

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

    @property
    def problem(self) -> str | None:
        """Why a write would fail now (for a health check), None when it can be tried."""
        if self._stopped:
            return "the raw writer is stopped"
        if self._reconnecting is not None or self._outage.down:
            since = self._outage.since
            return "Kafka unreachable" + (f" since {since:%H:%M:%S}" if since else "")
        if self._producer is None and not self._connect_on_write:
            return "not connected to Kafka yet"
        return None

    async def start(self) -> None:
        """Connect to Kafka now, so a misconfiguration shows at startup."""
        self._stopped = False
        try:
            async with asyncio.timeout(self._write_timeout):
                await self._connected()
        except (RawStoreError, TimeoutError) as exc:
            if not self._connect_on_write:
                # Nothing would connect it on a write: it reconnects by itself.
                self._replace(None, type(exc.__cause__ or exc).__name__)
            if isinstance(exc, RawStoreError):
                raise
            raise RawStoreError("Kafka is unreachable") from exc

    async def stop(self) -> None:
        """Flush what is in flight and close; later writes raise :class:`RawStoreError`."""
        self._stopped = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        async with self._connecting:
            producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
        if self._retiring:
            await asyncio.gather(*self._retiring, return_exceptions=True)

    async def write(self, message: RawMessage) -> RecordLocation:
        """Store one raw record and return where it landed, once Kafka acknowledged it."""
        topic = self._kafka.topics.raw(message.partner)
        if self._reconnecting is not None:
            # Known to fail: the partner hears 503 at once instead of after a time-out.
            raise RawStoreError(f"Kafka is unreachable; not stored on {topic}")
        if self._producer is None and not self._connect_on_write and not self._stopped:
            raise RawStoreError(f"not connected to Kafka yet; not stored on {topic}")
        record = message.to_kafka()
        producer: AIOKafkaProducer | None = None
        try:
            async with asyncio.timeout(self._write_timeout):
                producer = await self._connected()
                metadata = await producer.send_and_wait(
                    topic, value=record.value, key=record.key, headers=list(record.headers)
                )
        except (KafkaError, TimeoutError) as exc:
            log.warning("raw write failed topic=%s error=%s", topic, type(exc).__name__)
            self._replace(producer, type(exc).__name__)
            raise RawStoreError(f"Kafka did not acknowledge the record on {topic}") from exc
        return RecordLocation(
            topic=metadata.topic, partition=metadata.partition, offset=metadata.offset
        )

    def _replace(self, failed: AIOKafkaProducer | None, reason: str) -> None:
        """After a failed write: retire its producer, connect a fresh one in the background.

        Only once for a producer, however many writes failed on it at the same time."""
        if self._stopped:
            return
        if failed is not None and failed is self._producer:
            self._producer = None
            retiring = asyncio.create_task(_retire(failed, self._write_timeout))
            self._retiring.add(retiring)
            retiring.add_done_callback(self._retiring.discard)
        if self._producer is None and self._reconnecting is None:
            self._outage.failed(reason)
            self._reconnecting = asyncio.create_task(self._reconnect(), name="raw-writer-reconnect")

    async def _reconnect(self) -> None:
        """A fresh producer, tried with back-off (0.25 s doubling to 2 s) until it connects."""
        backoff = FIRST_RECONNECT_SECONDS
        try:
            while not self._stopped:
                try:
                    async with asyncio.timeout(self._write_timeout):
                        await self._connected()
                except (RawStoreError, TimeoutError) as exc:
                    cause = exc.__cause__ or exc
                    self._outage.failed(type(cause).__name__)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_RECONNECT_SECONDS)
                    continue
                log.info(
                    "raw writer connected a fresh producer to %s", self._kafka.bootstrap_servers
                )
                return
        finally:
            self._reconnecting = None

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
            producer = clients.producer(
                self._kafka,
                "raw-writer",
                compression_type=self._compression_type,
                max_request_size=self._max_record_bytes,
                request_timeout_ms=int(self._write_timeout * 1000),
                retry_backoff_ms=RETRY_BACKOFF_MS,
            )
            try:
                await producer.start()
            except BaseException as exc:
                # Also on cancellation (the caller's time-out): never leak a half
                # started producer with open connections.
                await producer.stop()
                if isinstance(exc, KafkaError | OSError):
                    self._outage.failed(type(exc).__name__)
                    raise RawStoreError("Kafka is unreachable") from exc
                raise
            self._producer = producer
            self._outage.reached()
            return producer


async def _retire(producer: AIOKafkaProducer, within: float) -> None:
    """Stop a producer that failed, within ``within`` s (what it still holds may land)."""
    try:
        async with asyncio.timeout(within):
            await producer.stop()
    except (KafkaError, TimeoutError) as exc:
        log.info("a retired producer did not stop cleanly (%s)", type(exc).__name__)
