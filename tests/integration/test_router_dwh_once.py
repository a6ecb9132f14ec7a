"""One warehouse record per canonical event id, whatever comes again: a partner message
re-sent (the translator writes it once), the same events on the orders topic again,
ops replaying them to the dwh, a restart of the destination, an aborted transaction.
Read as a warehouse reads ``keten.dwh.v1``: ``read_committed``, from the beginning."""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from contracts import CanonicalEvent, KafkaSettings, OrderAccepted
from kit.kafka.state import read_compacted
from kit.kafka.topics import ensure_topics
from tests.integration.conftest import Pipeline
from tests.kafka_helpers import eventually, read_records
from tests.router.kit import PSEUDONYM_KEY, at, build, publish, publish_raw, running, wrap
from tests.samples import partner_sample

ACC = "01-status-acc.json"
OND = "05-status-ond.json"


def ids_in(records) -> Counter[str]:  # type: ignore[no-untyped-def]
    """How often each ce_id is on the topic; the header and the value agree."""
    found: Counter[str] = Counter()
    for record in records:
        ce_id = dict(record.headers)["ce_id"].decode()
        assert json.loads(record.value)["id"] == ce_id
        found[ce_id] += 1
    return found


async def canonical(kafka: KafkaSettings, count: int) -> list[CanonicalEvent]:
    records = await read_records(kafka, kafka.topics.orders, count)
    return [CanonicalEvent.from_kafka(r.value, tuple(r.headers)) for r in records]


async def test_a_resent_message_a_second_translation_and_a_replay_are_in_the_warehouse_once(
    kafka: KafkaSettings, pipeline: Pipeline
) -> None:
    # Maasdal sends its ACC twice (no answer in time) and then its OND: the translator
    # remembers the ids it wrote, so the ACC's event is once on keten.orders.v1.
    for body in (partner_sample("maasdal", ACC), partner_sample("maasdal", ACC),
                 partner_sample("maasdal", OND)):  # fmt: skip
        assert (await pipeline.send(body)).status_code == 202
    await eventually(
        lambda: pipeline.translator.stats.records == 3, what="three raw records translated"
    )
    assert pipeline.translator.stats.outcomes["duplicate"] == 1
    events = await canonical(kafka, 2)
    acc, ond = sorted(events, key=lambda event: event.fact_type)
    assert (acc.fact_type, ond.fact_type) == ("order.accepted", "order.interrupted")

    first = build("dwh", kafka)
    async with running(first):
        await eventually(
            lambda: first.stats.outcomes["delivered"] == 2, what="two canonical records"
        )
        # The same events on the orders topic again (translated again after the
        # translator's memory of them ran out, say) and ops replaying both to the
        # warehouse only: the same ids again.
        await publish(kafka, acc, ond)
        await publish(kafka, acc, ond, topic=kafka.topics.replay("dwh"))
        await eventually(
            lambda: first.stats.outcomes["delivered"] == 6, what="six canonical records"
        )
    assert ids_in(await read_records(kafka, kafka.topics.dwh, 2)) == {acc.id: 1, ond.id: 1}
    assert first.destination.duplicates == 4  # type: ignore[attr-defined]

    # A new destination process: what it wrote is read back from the compacted topic,
    # so the same events once more and another replay still add nothing.
    stored = await read_compacted(kafka, kafka.topics.dwh_written)
    assert set(stored) == {acc.id.encode(), ond.id.encode()}
    await publish(kafka, acc)
    await publish(kafka, ond, topic=kafka.topics.replay("dwh"))
    later = wrap(OrderAccepted(order_number="WL-2026-009999", occurred_at=at(9)), "MD-LATER")
    await publish(kafka, later)
    second = build("dwh", kafka)
    async with running(second):
        await eventually(
            lambda: second.stats.outcomes["delivered"] == 3, what="the restart's records"
        )
    assert second.destination.written >= {acc.id, ond.id, later.id}  # type: ignore[attr-defined]
    assert second.destination.duplicates == 2  # type: ignore[attr-defined]
    assert ids_in(await read_records(kafka, kafka.topics.dwh, 3)) == {
        acc.id: 1, ond.id: 1, later.id: 1,
    }  # fmt: skip


async def test_an_aborted_transaction_neither_loses_nor_doubles_a_record(
    kafka: KafkaSettings, monkeypatch
) -> None:
    """The batch's records and its ids are aborted together; after the abort the
    destination reads its ids back (without the aborted ones) and writes each once."""
    one = wrap(OrderAccepted(order_number="WL-2026-000001", occurred_at=at(0)), "MD-1")
    two = wrap(OrderAccepted(order_number="WL-2026-000002", occurred_at=at(1)), "MD-2")
    await publish(kafka, one, two, one, partition=0)  # one of them twice in one batch
    real = AIOKafkaProducer.send_offsets_to_transaction
    failures: list[str] = []

    async def fail_once(self, offsets, group_id):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(group_id)
            raise KafkaError("injected: the broker went away mid-transaction")
        return await real(self, offsets, group_id)

    monkeypatch.setattr(AIOKafkaProducer, "send_offsets_to_transaction", fail_once)
    worker = build("dwh", kafka)
    async with running(worker):
        await eventually(
            lambda: worker.stats.outcomes["delivered"] == 3, within=10, what="after the abort"
        )
        await publish(kafka, two, partition=0)
        await eventually(lambda: worker.stats.outcomes["delivered"] == 4, what="the second two")
    assert worker.stats.aborted_batches == 1
    assert ids_in(await read_records(kafka, kafka.topics.dwh, 2)) == {one.id: 1, two.id: 1}
    written = await read_records(kafka, kafka.topics.dwh_written, 2)
    assert sorted(record.key for record in written) == sorted([one.id.encode(), two.id.encode()])


async def test_a_replay_is_checked_against_what_another_instance_wrote_since(
    kafka: KafkaSettings,
) -> None:
    """The replay partition and the source partition of one order need not have the same
    owner: another router instance may have written a fact after this one read its ids.
    Before a batch with a replayed record the destination reads its ids again."""
    fact = wrap(OrderAccepted(order_number="WL-2026-000007", occurred_at=at(0)), "MD-7")
    other = wrap(OrderAccepted(order_number="WL-2026-000008", occurred_at=at(1)), "MD-8")
    worker = build("dwh", kafka)
    async with running(worker):
        await publish(kafka, other)
        await eventually(
            lambda: worker.stats.outcomes["delivered"] == 1, what="ids loaded, one written"
        )
        # Another instance's committed write of ``fact``: its id on the state topic.
        await publish_raw(kafka, kafka.topics.dwh_written, fact.id.encode(),
                          b'{"occurred_at": "2026-11-26T08:00:00Z"}', [])  # fmt: skip
        await publish(kafka, fact, topic=kafka.topics.replay("dwh"))
        await eventually(lambda: worker.stats.outcomes["delivered"] == 2, what="the replay handled")
    assert ids_in(await read_records(kafka, kafka.topics.dwh, 1)) == {other.id: 1}
    assert worker.destination.duplicates == 1  # type: ignore[attr-defined]


REPO_ROOT = Path(__file__).resolve().parents[2]
KETENBUS = REPO_ROOT / ".venv" / "bin" / "ketenbus"


async def start_router(config: Path, log: Path) -> asyncio.subprocess.Process:
    """``ketenbus route`` as its own process (only the dwh is configured)."""
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            str(KETENBUS), "--config", str(config), "route",
            cwd=REPO_ROOT, stdout=output, stderr=output,
        )  # fmt: skip


async def committed_count(kafka: KafkaSettings, topic: str, at_least: int) -> int:
    """Wait until ``topic`` holds ``at_least`` committed records; how many it held then."""
    records = await read_records(kafka, topic, at_least, within=60)
    return len(records)


async def publish_many(kafka: KafkaSettings, events: list[CanonicalEvent]) -> None:
    """Many events on partition 0 of keten.orders.v1 in this order, without a round trip
    per event (one idempotent producer keeps the order of its sends)."""
    await ensure_topics(kafka, [kafka.topics.orders])
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        sent = []
        for event in events:
            record = event.to_kafka()
            sent.append(await producer.send(kafka.topics.orders, record.value, key=record.key,
                                            partition=0, headers=list(record.headers)))  # fmt: skip
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def test_a_router_killed_mid_stream_and_restarted_writes_each_id_once(
    kafka: KafkaSettings, tmp_path: Path
) -> None:
    """kill -9 of a real ``ketenbus route`` while it writes; everything sent again; a
    new process: read_committed, every id exactly once, none missing."""
    count = 3000
    events = [
        wrap(OrderAccepted(order_number=f"WL-2026-{n:06d}", occurred_at=at(n)), f"MD-K{n}")
        for n in range(count)
    ]
    await publish_many(kafka, events)
    config = tmp_path / "ketenbus.toml"
    config.write_text(
        f'[kafka]\nbootstrap_servers = "{kafka.bootstrap_servers}"\n'
        f'topic_prefix = "{kafka.topic_prefix}"\n\n'
        f'[destinations.dwh]\npseudonym_key = "{PSEUDONYM_KEY}"\nmax_batch = 50\n',
        "utf-8",
    )
    log = tmp_path / "route.log"
    first = await start_router(config, log)
    try:
        before_kill = await committed_count(kafka, kafka.topics.dwh, 200)
    finally:
        first.kill()  # SIGKILL: no shutdown, a transaction may be open
        await first.wait()
    assert first.returncode == -signal.SIGKILL
    # Some written, not all: the kill came mid-stream.
    assert 200 <= before_kill < count, before_kill

    # Everything comes again (a partner re-sends it all, say), then one last new fact,
    # so that once it is on keten.dwh.v1 everything before it has been handled.
    last = wrap(OrderAccepted(order_number="WL-2026-999999", occurred_at=at(0)), "MD-LAST")
    await publish_many(kafka, [*events, last])
    second = await start_router(config, log)
    try:
        records = await read_records(kafka, kafka.topics.dwh, count + 1, within=120)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    found = ids_in(records)
    assert set(found) == {event.id for event in [*events, last]}
    assert set(found.values()) == {1}, [ce_id for ce_id, n in found.items() if n > 1][:5]
    assert b"Traceback" not in log.read_bytes()
