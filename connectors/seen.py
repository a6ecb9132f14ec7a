"""The translator's memory of the event ids it has written, so a re-sent message is
translated once.

Event ids are deterministic (partner, partner message id, fact index): a partner that
sends a message again yields the same ids. Before the events of a raw record are
written, their ids are looked up here; those written before are left out (all of them:
the record is a ``duplicate`` and writes nothing), the others are remembered.

**Kept on Kafka, per raw partition, exactly once.** The ids a transaction writes from
raw partition *p* of ``keten.raw.<partner>`` are one record (or a few, for a file of
many facts) in partition *p* of ``keten.translate.seen.<partner>``, written in the
same transaction as the events and the raw offset, so it commits or aborts with them
(the co-partitioned changelog of Kafka Streams). One record per transaction, not per
message: the translator writes hardly more than it did.

When the translator is given raw partition *p* (after its producer fenced the last
owner) it reads partition *p* back to its end (``read_committed``), so an instance that
takes *p* over has the old owner's memory. What a batch claimed is kept apart until its
transaction commits: if the work is dropped (an abort, a rebalance), the engine reads
its records again and the claims are forgotten first (:class:`kit.engine.transactional.StageState`).
A re-sent message reaches the same raw partition: the ingress keys a raw record by its
order number (a file inbox by its partner), as the first time.

**Bounded: ``[translate] remember_days``** (7, the corporation's systems' window for a
``Referentienummer``). An id is remembered that long after its raw record was received
(``kb_received_at``), in memory at most an hour more (ids are kept in hourly buckets of
receipt and a bucket is dropped whole); the state topic is ``compact,delete`` with the
same retention (a state record is written at or after its receipt, so the broker keeps
it at least as long) and reading back skips what is older. A message re-sent later than
that is translated again. In memory an id takes about 135 bytes while recent, 20 once
sealed into arrays (:mod:`connectors.remembered_ids`).

State record: key = the first id's 16 bytes (an id is written once, so keys do not
collide), value = the latest receipt among its raw records in milliseconds (8 bytes,
big-endian) and then the ids, 16 bytes each, at most :data:`IDS_PER_RECORD`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from aiokafka import TopicPartition

from connectors.remembered_ids import ID_BYTES, RememberedIds
from contracts import KafkaRecord, KafkaSettings
from kit.engine.transactional import Output, StageState
from kit.kafka.state import compacted_for, read_partitions_to_end

log = logging.getLogger(__name__)

DAY_SECONDS = 86_400
BUCKET_SECONDS = 3_600
"""Ids are pruned by the hour of their receipt."""
RECEIVED_BYTES = 8
IDS_PER_RECORD = 16_384
"""256 KiB of ids at most in one state record: well under the topic's 1 MiB limit."""

SEAL_ABOVE = 65_536
"""Up to this many ids in all, a translator keeps them in sets (about 9 MB, the fastest
look-up); beyond it, each partition's are sealed into a sorted array of 20 bytes an id
(:mod:`connectors.remembered_ids`), so a million take about 40 MB instead of 135. (At
262,144 the sets alone grew two replaying processes of 500,000 ids each to 155 MB.)"""
SEAL_CHECK_EVERY = 4_096
"""Claims between two looks at the memory's size."""

STATE = "state"
"""The kind of output a state record is, for the counters."""


def id_bytes(event_id: str) -> bytes:
    """The 16 bytes of an event id (a UUID in its text form)."""
    return bytes.fromhex(event_id.replace("-", ""))


def state_topic_config(remember_days: float) -> dict[str, str]:
    return compacted_for(int(remember_days * DAY_SECONDS * 1000))


class _Claimed:
    """What one raw partition's records claimed in one batch, not yet committed."""

    __slots__ = ("ids", "next_offset", "received_ms")

    def __init__(self) -> None:
        self.ids: list[bytes] = []
        self.received_ms = 0
        self.next_offset = 0
        """The offset after the batch's last record, once it is transformed."""


class SeenIds(StageState):
    """The event ids written from each raw partition, as a stage state of the engine."""

    transforms_ahead = True
    """What a batch in hand claimed is remembered already, so the next batch may be
    translated meanwhile; the claims of a batch that does not commit are forgotten."""

    def __init__(
        self,
        kafka: KafkaSettings,
        state_topics: Mapping[str, str],
        *,
        remember_days: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._kafka = kafka
        self._state_topics = dict(state_topics)
        """Raw topic → its state topic."""
        self._window = remember_days * DAY_SECONDS
        self._clock = clock
        self._memory: dict[tuple[str, int], RememberedIds] = {}
        self._claiming: dict[tuple[str, int], _Claimed] = {}
        """Per raw partition, the claims of the batch being translated."""
        self._pending: dict[tuple[str, int], list[_Claimed]] = {}
        """Per raw partition, the claims of batches translated and not yet committed."""
        self._pruned_hour = 0
        self._until_seal_check = SEAL_CHECK_EVERY
        self.duplicates = 0
        """Events not written again because their id was written before."""

    @property
    def remembered(self) -> int:
        """How many ids are in memory."""
        return sum(len(part) for part in self._memory.values())

    def _oldest_hour(self, now: float) -> int:
        return int(now - self._window) // BUCKET_SECONDS

    # -- as the engine's state -------------------------------------------------------

    async def load(self, partitions: set[TopicPartition]) -> None:
        """Read the memory of these raw partitions back from their state partitions."""
        wanted = sorted(tp for tp in partitions if tp.topic in self._state_topics)
        if not wanted:
            return
        raw_of = {(self._state_topics[tp.topic], tp.partition): tp for tp in wanted}
        records = await read_partitions_to_end(
            self._kafka, [TopicPartition(topic, number) for topic, number in raw_of]
        )
        written: dict[tuple[str, int], list[tuple[int, bytes]]] = {
            (tp.topic, tp.partition): [] for tp in wanted
        }
        oldest = self._oldest_hour(self._clock())
        for record in records:
            value = record.value
            if not value or len(value) < RECEIVED_BYTES + ID_BYTES:
                continue  # a tombstone, or not ours
            hour = int.from_bytes(value[:RECEIVED_BYTES], "big") // 1000 // BUCKET_SECONDS
            if hour < oldest:
                continue
            raw = raw_of[record.topic, record.partition]
            written[raw.topic, raw.partition].append((hour, value[RECEIVED_BYTES:]))
        for key in written:
            self._memory.pop(key, None)
        loading = sum(len(blob) for found in written.values() for _, blob in found) // ID_BYTES
        large = self.remembered + loading > SEAL_ABOVE
        for key, found in written.items():
            self._claiming.pop(key, None)  # claims of a batch that was never written
            self._pending.pop(key, None)
            memory = self._memory[key] = RememberedIds()
            memory.add_written(found, large=large)
        log.info(
            "translate: read back the ids written from %d raw partitions (%d remembered)",
            len(wanted),
            sum(len(self._memory[key]) for key in written),
        )

    # -- per raw record --------------------------------------------------------------

    def claim(
        self, topic: str, partition: int, received_at: datetime, event_ids: Sequence[str]
    ) -> list[int]:
        """Which of a raw record's events to write (their indexes: those not written
        before); they are remembered from now on, and go into the partition's state
        record (:meth:`outputs_for`)."""
        now = self._clock()
        hour_now = int(now) // BUCKET_SECONDS
        if hour_now != self._pruned_hour:
            self._prune(now, hour_now)
        memory = self._memory.get((topic, partition))
        if memory is None:
            memory = self._memory[topic, partition] = RememberedIds()
        fresh: list[int] = []
        new: dict[bytes, None] = {}  # in order, and a repeat within the record once
        for index, event_id in enumerate(event_ids):
            key = id_bytes(event_id)
            if key in new or key in memory:
                continue
            fresh.append(index)
            new[key] = None
        self.duplicates += len(event_ids) - len(fresh)
        received = received_at.timestamp()
        hour = int(received) // BUCKET_SECONDS
        if not new or topic not in self._state_topics or hour < self._oldest_hour(now):
            return fresh  # past the window: it would be forgotten at once
        ids = list(new)
        memory.add(hour, ids)
        self._until_seal_check -= 1
        if self._until_seal_check <= 0:
            self._until_seal_check = SEAL_CHECK_EVERY
            self._seal_if_large()
        claimed = self._claiming.get((topic, partition))
        if claimed is None:
            claimed = self._claiming[topic, partition] = _Claimed()
        claimed.ids += ids
        claimed.received_ms = max(claimed.received_ms, int(received * 1000))
        return fresh

    def outputs_for(self, tp: TopicPartition, next_offset: int) -> list[Output]:
        """The state records of what this partition's records claimed in the batch just
        translated, written in its transaction."""
        key = (tp.topic, tp.partition)
        claimed = self._claiming.pop(key, None)
        if claimed is None:
            return []
        claimed.next_offset = next_offset
        self._pending.setdefault(key, []).append(claimed)
        topic = self._state_topics[tp.topic]
        received = claimed.received_ms.to_bytes(RECEIVED_BYTES, "big")
        ids = claimed.ids
        return [
            Output(
                topic,
                KafkaRecord(
                    key=ids[start],
                    value=received + b"".join(ids[start : start + IDS_PER_RECORD]),
                    headers=(),
                ),
                STATE,
                partition=tp.partition,
            )
            for start in range(0, len(ids), IDS_PER_RECORD)
        ]

    def committed(self, tp: TopicPartition, next_offset: int) -> None:
        """The claims of the batches up to ``next_offset`` are written for good."""
        pending = self._pending.get((tp.topic, tp.partition))
        if pending:
            pending[:] = [claimed for claimed in pending if claimed.next_offset > next_offset]

    async def read_again(self, partitions: set[TopicPartition]) -> None:
        """Forget what was claimed since the last commit of these partitions: their
        records are read, and claim, again."""
        for tp in partitions:
            key = (tp.topic, tp.partition)
            dropped = self._pending.pop(key, [])
            claiming = self._claiming.pop(key, None)  # a batch that failed midway
            if claiming is not None:
                dropped.append(claiming)
            memory = self._memory.get(key)
            if memory is not None:
                for claimed in dropped:
                    memory.forget(claimed.ids)

    def release(self, partitions: set[TopicPartition]) -> None:
        """Given up: whoever takes these partitions reads their memory back."""
        for tp in partitions:
            key = (tp.topic, tp.partition)
            self._memory.pop(key, None)
            self._pending.pop(key, None)
            self._claiming.pop(key, None)

    def _seal_if_large(self) -> None:
        if self.remembered > SEAL_ABOVE:
            for memory in self._memory.values():
                if memory.seal_due():
                    memory.seal()

    def _prune(self, now: float, hour_now: int) -> None:
        oldest = self._oldest_hour(now)
        for memory in self._memory.values():
            memory.prune(oldest)
        self._pruned_hour = hour_now
