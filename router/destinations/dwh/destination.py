"""The data warehouse: two topics, written in the router's transactions, and its memory.

* ``keten.dwh.v1``: one record per order fact (``mapping.order_record``), key = the
  order's pseudonym, so the facts of one order stay in order; CloudEvents headers.
  *One record per ``ce_id``*: the canonical topic can hold an event more than once (a
  partner re-sends a message, a raw topic is translated again, ops replay a dead
  letter: each is the same event id again), so the destination remembers every id it
  has written in the compacted ``keten.router.dwh.written`` (key = the event id),
  written in the same transaction as the record, and writes nothing for an id it
  knows. The ids are read back at start, after every rebalance and after an aborted
  transaction, like the counts, so the memory always matches what committed.
* ``keten.dwh.signal-counts.v1``, compacted: the running count of social signals per
  Dutch calendar month and category (and source partition, see
  ``mapping.count_key``). Each signal adds one to its count, and the new count is
  written in the same transaction that commits the signal's offset, so a signal
  record is counted exactly once, through crashes and restarts. No record exists per
  signal and a count carries no id, order or time of a signal, so the warehouse cannot
  line a count up with an order. (A consumer reading in real time does see *when* a
  count went up; a report per closed month, read after the month, sees only the total.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiokafka import TopicPartition

from contracts import AMSTERDAM, KafkaRecord, KafkaSettings
from contracts.dwh import ORDER_FACT, SIGNAL_COUNT, DwhOrderFact, ce_headers
from kit.engine.transactional import Output
from kit.kafka.state import COMPACTED, read_compacted
from router.destinations.dwh.mapping import count_key, count_record, order_record
from router.destinations.dwh.pseudonym import Pseudonymiser
from router.entitlement import Counted, Redacted


class DwhDestination:
    id = "dwh"

    def __init__(self, kafka: KafkaSettings, pseudonym: Pseudonymiser) -> None:
        self._kafka = kafka
        self._pseudonym = pseudonym
        self.facts_topic = kafka.topics.dwh
        self.counts_topic = kafka.topics.dwh_signal_counts
        self.written_topic = kafka.topics.dwh_written
        self.counts: dict[str, int] = {}
        self.written: set[str] = set()
        """The event ids on ``keten.dwh.v1`` (committed, or in the batch in hand)."""
        self.duplicates = 0
        """Facts not written again because their id was known (seen, so an aborted batch's
        are counted again when it is read again)."""

    def output_topics(self) -> dict[str, dict[str, str] | None]:
        return {self.facts_topic: None, self.counts_topic: COMPACTED, self.written_topic: COMPACTED}

    async def load(self) -> None:
        stored = await read_compacted(self._kafka, self.counts_topic)
        self.counts = {key.decode(): json.loads(value)["count"] for key, value in stored.items()}
        written = await read_compacted(self._kafka, self.written_topic)
        self.written = {key.decode() for key in written}

    def outputs(self, fact: Redacted | Counted, source: TopicPartition) -> list[Output]:
        if isinstance(fact, Counted):
            return [self._count(fact, source.partition)]
        if fact.id in self.written:
            self.duplicates += 1
            return []
        # Validated against the published contract (contracts/schemas/dwh.order-fact.v1.json):
        # a mapping that drifted from it is a dead letter, not a record the warehouse misreads.
        record = DwhOrderFact.model_validate(order_record(fact, self._pseudonym)).to_json()
        headers = ce_headers(
            ORDER_FACT, id=fact.id, subject=record["order"], time=record["occurred_at"]
        )
        self.written.add(fact.id)
        return [
            Output(self.facts_topic, _json(record["order"], record, headers), "fact"),
            Output(
                self.written_topic, _json(fact.id, {"occurred_at": record["occurred_at"]}), "state"
            ),
        ]

    def _count(self, fact: Counted, partition: int) -> Output:
        key = count_key(fact, partition)
        count = self.counts.get(key, 0) + 1
        value = count_record(key, count)  # validated before the count moves
        self.counts[key] = count
        month_start = datetime.strptime(fact.month, "%Y-%m").replace(tzinfo=AMSTERDAM)
        headers = ce_headers(
            SIGNAL_COUNT,
            id=f"{key}#{count}",
            subject=key,
            time=month_start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        )
        return Output(self.counts_topic, _json(key, value, headers), "count")


def _json(
    key: str, value: dict[str, Any], headers: tuple[tuple[str, bytes], ...] = ()
) -> KafkaRecord:
    return KafkaRecord(key=key.encode(), value=json.dumps(value).encode(), headers=headers)
