"""The Kafka topics ketenbus reads and writes, in one place.

``prefix`` exists for tests and for running several ketenbus environments on one
cluster; production uses the plain names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    prefix: str = ""

    def raw(self, partner: str) -> str:
        """The originals a partner sent, byte for byte (replayable after a mapping fix)."""
        return f"{self.prefix}keten.raw.{partner}"

    @property
    def orders(self) -> str:
        """Canonical order facts, key = order number."""
        return f"{self.prefix}keten.orders.v1"

    @property
    def signals(self) -> str:
        """Social signals: special-category data, restricted readers."""
        return f"{self.prefix}keten.signals.v1"

    @property
    def workorders(self) -> str:
        """New work orders from the maintenance system (VERA Onderhoudsorder JSON), key =
        order number: ketenbus reads them and hands each to the partner named in it."""
        return f"{self.prefix}keten.workorders.v1"

    @property
    def dwh(self) -> str:
        """The data warehouse's pseudonymised order facts (no names, phones or free text)."""
        return f"{self.prefix}keten.dwh.v1"

    @property
    def dwh_signal_counts(self) -> str:
        """The data warehouse's social-signal counts per month and category (compacted)."""
        return f"{self.prefix}keten.dwh.signal-counts.v1"

    def translate_seen(self, partner: str) -> str:
        """The translator's memory of the event ids it wrote from ``keten.raw.<partner>``
        (compacted, then deleted after ``[translate] remember_days``): partition *p* holds
        raw partition *p*'s, so a re-sent partner message is translated once."""
        return f"{self.prefix}keten.translate.seen.{partner}"

    @property
    def dwh_written(self) -> str:
        """Compacted: one key per canonical event id the data warehouse's destination has
        written to ``keten.dwh.v1``, so a re-sent or replayed fact is not written again."""
        return f"{self.prefix}keten.router.dwh.written"

    def for_fact(self, restricted: bool) -> str:
        """Where a canonical fact goes: the restricted signals topic or the orders topic."""
        return self.signals if restricted else self.orders

    def deadletter(self, stage: str) -> str:
        """What could not be translated (``translate``), assigned (``workorders``) or
        delivered (a destination id, or ``outbound-<partner>``)."""
        return f"{self.prefix}keten.deadletter.{stage}"

    def replay(self, stage: str) -> str:
        """Dead letters sent back by ops to the one stage that parked them (a destination
        id, ``dwh`` or ``outbound-<partner>``): that stage's worker reads this topic next to
        its sources, so a replay reaches that system only, with the same Referentienummer."""
        return f"{self.prefix}keten.replay.{stage}"

    @property
    def deadletter_decisions(self) -> str:
        """Compacted: ops' last decision (replayed or discarded, by whom, when, why) per
        dead letter, key = ``<stage>|<dead-letter key>``; ``ketenbus deadletters`` writes it
        and shows a dead letter as open until a decision covers it (topics are append-only)."""
        return f"{self.prefix}keten.deadletter.decisions"

    def poller_cursor(self, partner: str) -> str:
        """Compacted: the last committed cursor of a partner's poller (key = partner id)."""
        return f"{self.prefix}keten.state.poller.{partner}"

    def lease(self, stage: str) -> str:
        """One partition, never written to: a consumer group per leased job on it (an
        inbox, a feed) hands that partition, the lease, to one process at a time
        (``kit/kafka/lease.py``)."""
        return f"{self.prefix}keten.lease.{stage}"

    @property
    def onderhoud_last_status(self) -> str:
        """Compacted: per order, the partner time of the last status applied to onderhoud."""
        return f"{self.prefix}keten.router.onderhoud.last-status"
