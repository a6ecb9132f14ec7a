"""The last status applied to each order, by the partner's timestamp, kept across restarts,
and per fact whether its PATCH carried its status.

A late, older status fact must not move an order back (a late ACC after TGE leaves
TEC), and that must hold after the router restarts. The clock lives in memory and
in a compacted Kafka topic keyed by order number (``kit.kafka.state``):

* it is written *after* the PATCH succeeded, and acknowledged by the broker
  *before* the delivery worker may commit the fact's offset (``flush``, called by
  the worker before every commit). Not waiting for the acknowledgement of each write
  on its own lets the lanes go on with the next fact: waiting per fact made them
  resume in bursts, a third of the router's throughput (docs/performance.md);
* it is read back whenever partitions are assigned (at start and after every
  rebalance), before any fact is delivered, so whichever router instance owns an
  order's partition knows its clock.

A redelivery must be the same request as the first delivery (the corporation refuses
a reused Referentienummer with another body). The clock alone cannot promise that:
the offsets commit stops at the oldest unfinished record of a partition, so after a
crash facts already delivered come again while the clock, flushed for the facts
after them, has moved past their time; decided again, they would lose their
``status``. So each order's record also holds, per status fact that made a call,
whether it went with its status, and a redelivery goes as decided then. A fact
without a decision on the broker is decided from the clock, which then holds
exactly what it held the first time: one producer writes an order's records in its
facts' order to one partition, so after a crash the topic holds the first records
of that sequence, and the fact's predecessors of the same order come again first.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaProducer

from contracts import KafkaSettings
from kit.kafka import clients
from kit.kafka.ready import wait_until_usable
from kit.kafka.state import COMPACTED, read_compacted
from kit.kafka.topics import ensure_topics


def status_clock_topic(kafka: KafkaSettings) -> str:
    return kafka.topics.onderhoud_last_status


@dataclass
class _OrderClock:
    status_at: datetime | None = None
    """The partner time of the last status applied."""
    event_id: str | None = None
    """The fact that applied it."""
    with_status: dict[str, bool] = field(default_factory=dict)
    """Per status fact delivered (event id): whether its PATCH carried its status."""

    def to_json(self) -> bytes:
        value = {
            "status_at": self.status_at.isoformat() if self.status_at else None,
            "event_id": self.event_id,
            "with_status": self.with_status,
        }
        return json.dumps(value).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> _OrderClock:
        value = json.loads(raw)
        at = value.get("status_at")
        return cls(
            datetime.fromisoformat(at) if at else None,
            value.get("event_id"),
            dict(value.get("with_status", {})),
        )

    def merge(self, other: _OrderClock) -> None:
        """Take what ``other`` knows on top (never moving the clock back)."""
        if other.status_at is not None and (
            self.status_at is None or self.status_at < other.status_at
        ):
            self.status_at, self.event_id = other.status_at, other.event_id
        self.with_status = {**other.with_status, **self.with_status}


class StatusClock:
    def __init__(self, kafka: KafkaSettings) -> None:
        self._kafka = kafka
        self.topic = status_clock_topic(kafka)
        self._orders: dict[str, _OrderClock] = {}
        self._producer: AIOKafkaProducer | None = None
        self._unacknowledged: list[asyncio.Future[object]] = []
        """Writes sent but not yet known to be acknowledged (``flush`` awaits them)."""

    async def start(self) -> None:
        await ensure_topics(self._kafka, [self.topic], COMPACTED)
        await wait_until_usable(self._kafka, [self.topic])  # read back at the assignment
        self._producer = clients.producer(self._kafka, "onderhoud-status-clock")
        await self._producer.start()

    async def load(self) -> None:
        """Read the clock back from its topic (never moving a known order back)."""
        for key, value in (await read_compacted(self._kafka, self.topic)).items():
            self._orders.setdefault(key.decode(), _OrderClock()).merge(_OrderClock.from_json(value))

    def last(self, order_number: str) -> datetime | None:
        """When the status last applied to this order happened, if any was."""
        known = self._orders.get(order_number)
        return known.status_at if known else None

    def is_older(self, order_number: str, at: datetime) -> bool:
        last = self.last(order_number)
        return last is not None and at < last

    def with_status(self, order_number: str, event_id: str, at: datetime) -> bool:
        """Whether this fact's PATCH carries its status: as it did when it was delivered
        before, else unless it is older than the last status applied."""
        known = self._orders.get(order_number)
        if known is not None and event_id in known.with_status:
            return known.with_status[event_id]
        return not self.is_older(order_number, at)

    async def delivered(
        self, order_number: str, at: datetime, *, event_id: str, with_status: bool
    ) -> None:
        """Record a delivered status fact (and the status it applied, if it did);
        durable once ``flush`` has returned."""
        assert self._producer is not None, "start() the clock first"
        known = self._orders.setdefault(order_number, _OrderClock())
        if known.with_status.get(event_id) == with_status:
            return  # a redelivery: nothing new to remember
        known.with_status[event_id] = with_status
        if with_status and (known.status_at is None or known.status_at < at):
            known.status_at, known.event_id = at, event_id
        acknowledged = await self._producer.send(
            self.topic, known.to_json(), key=order_number.encode()
        )
        self._unacknowledged.append(acknowledged)

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
