"""The last status applied to each order, by the partner's timestamp, kept across restarts.

A late, older status fact must not move an order back (a late ACC after TGE leaves
TEC), and that must hold after the router restarts. The clock lives in memory and
in a compacted Kafka topic keyed by order number (``router.state``):

* it is written *after* the PATCH succeeded, and acknowledged by the broker
  *before* the delivery worker may commit the fact's offset (``flush``, called by
  the worker before every commit); a crash in between sends the fact again with the
  same Referentienummer (the corporation answers it again without doing it twice)
  and writes the same clock value again. Not waiting for the acknowledgement of
  each write on its own lets the lanes go on with the next fact: waiting per fact
  made them resume in bursts, a third of the router's throughput
  (docs/performance.md);
* it is read back whenever partitions are assigned (at start and after every
  rebalance), before any fact is delivered, so whichever router instance owns an
  order's partition knows its clock.

A fact is *older* only when its time is strictly before the clock: a fact delivered
again after a crash carries the clock's own time and gets exactly the same PATCH.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from aiokafka import AIOKafkaProducer

from contracts import KafkaSettings, ensure_topics
from router.state import COMPACTED, read_compacted


def status_clock_topic(kafka: KafkaSettings) -> str:
    return kafka.topics.onderhoud_last_status


class StatusClock:
    def __init__(self, kafka: KafkaSettings) -> None:
        self._kafka = kafka
        self.topic = status_clock_topic(kafka)
        self._last: dict[str, datetime] = {}
        self._producer: AIOKafkaProducer | None = None
        self._unacknowledged: list[asyncio.Future[object]] = []
        """Writes sent but not yet known to be acknowledged (``flush`` awaits them)."""

    async def start(self) -> None:
        await ensure_topics(self._kafka, [self.topic], COMPACTED)
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._kafka.bootstrap_servers,
            client_id=f"{self._kafka.client_id}-onderhoud-status-clock",
            enable_idempotence=True,
            acks="all",
        )
        await self._producer.start()

    async def load(self) -> None:
        """Read the clock back from its topic (never moving a known order back)."""
        for key, value in (await read_compacted(self._kafka, self.topic)).items():
            at = datetime.fromisoformat(json.loads(value)["status_at"])
            order = key.decode()
            if order not in self._last or self._last[order] < at:
                self._last[order] = at

    def last(self, order_number: str) -> datetime | None:
        """When the status last applied to this order happened, if any was."""
        return self._last.get(order_number)

    def is_older(self, order_number: str, at: datetime) -> bool:
        last = self._last.get(order_number)
        return last is not None and at < last

    async def advance(self, order_number: str, at: datetime, *, event_id: str) -> None:
        """Record an applied status; durable once ``flush`` has returned."""
        assert self._producer is not None, "start() the clock first"
        last = self._last.get(order_number)
        if last is not None and at <= last:
            return
        value = {"status_at": at.isoformat(), "event_id": event_id}
        acknowledged = await self._producer.send(
            self.topic, json.dumps(value).encode(), key=order_number.encode()
        )
        self._unacknowledged.append(acknowledged)
        self._last[order_number] = at

    async def flush(self) -> None:
        """Wait until every write sent so far is acknowledged; raise if one failed
        (then the offsets must not be committed: the facts come again after restart)."""
        pending, self._unacknowledged = self._unacknowledged, []
        if pending:
            await asyncio.gather(*pending)

    async def aclose(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
