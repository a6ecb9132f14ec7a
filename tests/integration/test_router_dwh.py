"""The data warehouse: every order fact pseudonymised on ``keten.dwh.v1``, social signals
only as running counts per month and category, exactly once through an aborted
transaction and a restart."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from contracts import CanonicalEvent, SignalCategory, SocialSignalRaised
from tests.kafka_helpers import eventually, read_records
from tests.router.destinations.dwh.test_mapping import FACTS, SECRETS, expected_pseudonym
from tests.router.kit import at, build, publish, running, wrap
from tests.router.samples import ORDER

SIGNAL_NOTE = "Zorgen om de gezondheid van de bewoonster"


def signal(n: int, category: SignalCategory, when: datetime) -> CanonicalEvent:
    fact = SocialSignalRaised(order_number=f"WL-2026-{n:06d}", occurred_at=when,
                              category=category, signal_note=SIGNAL_NOTE, urgent=True,
                              note="Mevrouw de Vries")  # fmt: skip
    return wrap(fact, f"SIG-{n}")


async def test_every_order_fact_pseudonymised_and_signals_only_counted(kafka) -> None:
    facts = [wrap(fact, f"F-{i}") for i, fact in enumerate(FACTS)]
    signals = [
        signal(1, SignalCategory.VERWAARLOZING, at(0)),
        signal(2, SignalCategory.VERWAARLOZING, at(60)),
        signal(3, SignalCategory.OVERLAST, datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),  # Dec
    ]
    await publish(kafka, *facts)
    await publish(kafka, *signals, partition=0)
    worker = build("dwh", kafka)
    async with running(worker):
        await eventually(
            lambda: worker.stats.outcomes["delivered"] == len(facts) + 3, what="all handled"
        )

    records = await read_records(kafka, kafka.topics.dwh, len(facts))
    assert sorted(json.loads(r.value)["id"] for r in records) == sorted(f.id for f in facts)
    assert {r.key for r in records} == {expected_pseudonym("order", ORDER).encode()}
    first = records[0]
    headers = dict(first.headers)
    assert headers["ce_type"] == b"nl.ketenbus.dwh.order-fact.v1"
    assert headers["ce_subject"] == first.key
    counts = await read_records(kafka, kafka.topics.dwh_signal_counts, 3)
    assert [(r.key, json.loads(r.value)) for r in counts] == [
        (b"2026-11/VERWAARLOZING/0",
         {"month": "2026-11", "category": "VERWAARLOZING", "partition": 0, "count": 1}),
        (b"2026-11/VERWAARLOZING/0",
         {"month": "2026-11", "category": "VERWAARLOZING", "partition": 0, "count": 2}),
        (b"2026-12/OVERLAST/0",
         {"month": "2026-12", "category": "OVERLAST", "partition": 0, "count": 1}),
    ]  # fmt: skip
    everything = b"".join(
        r.value + b"".join(v for _, v in r.headers) for r in [*records, *counts]
    ).decode()
    for secret in [*SECRETS, SIGNAL_NOTE, "de Vries", ORDER, *(s.id for s in signals)]:
        assert secret not in everything


async def test_counts_are_exact_through_an_aborted_transaction_and_a_restart(
    kafka, monkeypatch
) -> None:
    november = SignalCategory.VERWAARLOZING
    await publish(kafka, signal(1, november, at(0)), signal(2, november, at(1)), partition=0)
    first = build("dwh", kafka)
    async with running(first):
        await eventually(lambda: first.stats.outcomes["delivered"] == 2, what="two signals counted")

    # The restarted router's first transaction fails after writing its counts: aborted.
    real = AIOKafkaProducer.send_offsets_to_transaction
    failures = []

    async def fail_once(self, offsets, group_id):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(group_id)
            raise KafkaError("injected: the broker went away mid-transaction")
        return await real(self, offsets, group_id)

    monkeypatch.setattr(AIOKafkaProducer, "send_offsets_to_transaction", fail_once)
    await publish(kafka, signal(3, november, at(2)), signal(4, november, at(3)), partition=0)
    second = build("dwh", kafka)
    async with running(second):
        await eventually(
            lambda: second.stats.outcomes["delivered"] == 2, within=10, what="counted again"
        )
    assert second.stats.aborted_batches == 1

    committed = await read_records(kafka, kafka.topics.dwh_signal_counts, 4)
    values = defaultdict(list)
    for record in committed:
        values[record.key].append(json.loads(record.value)["count"])
    assert values == {b"2026-11/VERWAARLOZING/0": [1, 2, 3, 4]}  # none twice, none lost
    assert second.destination.counts == {"2026-11/VERWAARLOZING/0": 4}
