"""What every stage engine shares: its counters, its stop, and its rebalance listener."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from aiokafka import ConsumerRebalanceListener, TopicPartition


class StageStopped(RuntimeError):
    """A stage that cannot go on (it is not authorised for its transactional ids, a
    destination refuses our credentials): the process says so in one line and exits."""


@dataclass
class StageStats:
    """Counters since start: what the demo, the tests and the metrics read.

    Counted when work is settled (committed, or delivered and committable), so an
    aborted batch that is read again is not counted twice."""

    stage: str
    records: int = 0
    batches: int = 0
    aborted_batches: int = 0
    commits: int = 0
    attempts: int = 0
    """Calls made to a system outside Kafka (a delivering stage), retries included."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Input records by how they went (``translated``, ``delivered``, ``dead_lettered``...)."""
    outputs: Counter[str] = field(default_factory=Counter)
    """Records written, by kind (``event``, ``dead_letter``, ``state``...)."""

    def settled(self, records: int, outcomes: Iterable[str], outputs: Iterable[str]) -> None:
        """One partition's batch committed."""
        self.records += records
        self.batches += 1
        self.outcomes.update(outcomes)
        self.outputs.update(outputs)


OnPartitions = Callable[[set[TopicPartition]], Awaitable[None]]


class Rebalances(ConsumerRebalanceListener):  # type: ignore[misc]
    """Hands the consumer's revocations and assignments to its engine."""

    def __init__(self, revoked: OnPartitions, assigned: OnPartitions) -> None:
        self._revoked = revoked
        self._assigned = assigned

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._revoked(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self._assigned(set(assigned))
