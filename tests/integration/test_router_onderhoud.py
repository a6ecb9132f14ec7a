"""The maintenance system: every row of the mapping table through the real broker and the
VERA reference back office (which checks each body against OHD), ordering, and the rule
that a late, older status never moves an order back, across a restart too."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

from aiokafka.admin import AIOKafkaAdminClient

from contracts import (
    AdministrativelyCompleted,
    AppointmentPlanned,
    CancellationRequested,
    DicoCause,
    DicoDetail,
    DicoStatus,
    HourLine,
    InformationExchanged,
    KafkaSettings,
    LeadTimeExtended,
    MaterialLine,
    OrderAccepted,
    OrderCancelled,
    OrderInterrupted,
    OrderRefused,
    OrderRegistered,
    TechnicallyCompleted,
    Unit,
)
from router.destinations.onderhoud.mapping import to_vera
from router.destinations.onderhoud.status_clock import status_clock_topic
from tests.kafka_helpers import eventually, read_records
from tests.router.kit import at, build, publish, ref, running, wrap


def order(n: int) -> str:
    return f"WL-2026-{n:06d}"


def completed(number: str, minutes: float) -> TechnicallyCompleted:
    return TechnicallyCompleted(
        order_number=number, occurred_at=at(minutes), completed_at=at(minutes),
        cause=DicoCause.HUU, nlsfb_element="52.11", first_time_fix=True,
        hours=(HourLine(mechanic="Jeroen Habets", hours=Decimal("1.25")),),
        materials=(MaterialLine(description="Kraan", quantity=Decimal(1), unit=Unit.STU,
                                unit_price=Decimal("38.95")),),
    )  # fmt: skip


ROWS = [
    OrderAccepted(order_number=order(101), occurred_at=at(0), note="Komt goed"),
    OrderRefused(order_number=order(102), occurred_at=at(0), note="Geen capaciteit"),
    AppointmentPlanned(order_number=order(103), occurred_at=at(0), starts_at=at(60),
                       ends_at=at(120), mechanic="Jeroen Habets"),
    *(OrderInterrupted(order_number=order(104 + i), occurred_at=at(0), reason=reason)
      for i, reason in enumerate([DicoDetail.BNT, DicoDetail.MIB, DicoDetail.OHD,
                                  DicoDetail.AVW, DicoDetail.AWE, DicoDetail.AFW, None])),
    LeadTimeExtended(order_number=order(111), occurred_at=at(0), new_deadline=date(2026, 12, 4)),
    completed(order(112), 0),
    AdministrativelyCompleted(order_number=order(113), occurred_at=at(0)),
    OrderCancelled(order_number=order(114), occurred_at=at(0)),
    OrderRegistered(order_number=order(115), occurred_at=at(0)),
    CancellationRequested(order_number=order(116), occurred_at=at(0)),
    *(InformationExchanged(order_number=order(117 + i), occurred_at=at(0), code=code)
      for i, code in enumerate([DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA])),
]  # fmt: skip

STATUS_AFTER = {
    101: "INB", 102: "REG", 103: "PLN", 104: "INB", 105: "INB", 106: "INB", 107: "INB",
    108: "INB", 109: "INB", 110: "INB", 112: "TEC", 113: "FIN", 114: "GEA",
}  # fmt: skip
DETAIL_AFTER = {104: "AFW", 105: "MAT", 106: "MAT", 107: "INS", 108: "OFF", 109: None, 110: None}


async def test_every_row_of_the_mapping_table(kafka, backoffice) -> None:
    events = [wrap(fact, f"ROW-{i}") for i, fact in enumerate(ROWS)]
    worker = build("onderhoud", kafka, backoffice)
    await publish(kafka, *events)
    async with running(worker):
        received = await backoffice.wait_for_received(14, system="onderhoud")
        await eventually(
            lambda: worker.stats.outcomes["skipped"] == 6, what="6 facts without a call"
        )

    expected = {
        event.id: (call.path, call.body)
        for event in events
        if (call := to_vera(event.data)) is not None
    }
    assert {r.referentienummer: (r.path, r.body) for r in received} == expected
    assert all(r.method == "PATCH" and r.status == 200 for r in received)
    assert all(not c.invalid for c in backoffice.state.calls())  # every body is valid OHD
    for number, status in STATUS_AFTER.items():
        assert backoffice.state.order(order(number))["status"] == {"code": status}, number
    assert backoffice.state.order(order(111)) == {
        "id": order(111), "uitersteGereeddatum": "2026-12-04T22:59:59Z",
    }  # fmt: skip
    for number, detail in DETAIL_AFTER.items():
        (task,) = backoffice.state.order(order(number))["onderhoudstaken"]
        assert task.get("detailStatus") == ({"code": detail} if detail else None), number
    for number in range(115, 121):  # REG, VAN, VIN, AIN, REV, REA: no call
        assert backoffice.state.order(order(number)) is None
    assert (worker.stats.outcomes["delivered"], worker.stats.outcomes["dead_lettered"]) == (14, 0)


async def test_a_late_older_fact_never_moves_the_order_back(kafka, backoffice) -> None:
    number = order(201)
    appointment = AppointmentPlanned(
        order_number=number, occurred_at=at(100), starts_at=at(120), ends_at=at(180)
    )
    interruption = OrderInterrupted(order_number=number, occurred_at=at(200), reason=DicoDetail.MIB)
    late = [
        wrap(completed(number, 300), "L-1"),  # TGE first
        wrap(OrderAccepted(order_number=number, occurred_at=at(0)), "L-2"),  # late ACC
        wrap(appointment, "L-3"),  # late appointment
        wrap(interruption, "L-4"),  # late OND
        wrap(AdministrativelyCompleted(order_number=number, occurred_at=at(400)), "L-5"),
    ]
    worker = build("onderhoud", kafka, backoffice)
    await publish(kafka, *late)
    async with running(worker):
        await backoffice.wait_for_received(3, system="onderhoud")
        await eventually(
            lambda: worker.stats.outcomes["skipped"] == 2, what="late ACC and OND skipped"
        )

    calls = backoffice.state.calls("onderhoud")
    assert [(c.referentienummer, c.status) for c in calls] == [
        (ref("L-1"), 200), (ref("L-3"), 200), (ref("L-5"), 200),
    ]  # fmt: skip
    assert calls[0].body["status"] == {"code": "TEC"}
    assert calls[1].body == {  # the appointment's content, not its PLN
        "afspraken": [{"status": {"code": "GEP"}, "begindatum": "2026-11-26T10:00:00Z",
                       "einddatum": "2026-11-26T11:00:00Z"}],
    }  # fmt: skip
    assert calls[2].body == {"status": {"code": "FIN"}}
    state = backoffice.state.order(number)
    assert state["status"] == {"code": "FIN"}
    assert state["onderhoudstaken"][0]["status"] == {"code": "GER"}  # not replaced by OND


async def test_the_rule_holds_across_a_restart_of_the_router(kafka, backoffice) -> None:
    number = order(301)
    await publish(kafka, wrap(completed(number, 300), "R-1"))
    first = build("onderhoud", kafka, backoffice)
    async with running(first):
        await eventually(lambda: first.stats.outcomes["delivered"] == 1, what="TGE delivered")
    # The clock is on the broker, keyed by the order, before the offset was committed.
    (clock,) = await read_records(kafka, status_clock_topic(kafka), 1)
    assert clock.key == number.encode()

    # A new router process: nothing in memory, the late ACC and WEI arrive now.
    await publish(
        kafka,
        wrap(OrderAccepted(order_number=number, occurred_at=at(0)), "R-2"),
        wrap(OrderRefused(order_number=number, occurred_at=at(10), note="Toch niet"), "R-3"),
    )
    restarted = build("onderhoud", kafka, backoffice)
    async with running(restarted):
        await backoffice.wait_for_received(2, system="onderhoud")
        await eventually(
            lambda: restarted.stats.outcomes["skipped"] == 1, what="the late ACC skipped"
        )

    calls = backoffice.state.calls("onderhoud")
    assert [c.referentienummer for c in calls] == [ref("R-1"), ref("R-3")]
    assert calls[1].body == {
        "informatieobjecten": [{"titel": "Reden weigering", "beschrijving": "Toch niet"}]
    }
    assert backoffice.state.order(number)["status"] == {"code": "TEC"}
    assert restarted.stats.outcomes["delivered"] == 1  # R-1 was committed before the restart


async def committed_offsets(kafka: KafkaSettings, group: str) -> dict[tuple[str, int], int]:
    """The consumer group's committed offsets on the broker, per topic and partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


async def test_the_offset_is_committed_only_once_the_clock_is_acknowledged(
    kafka, backoffice, monkeypatch
) -> None:
    # The clock is written without waiting for each acknowledgement; the worker awaits
    # them all before a commit. Held at that point, the commit must wait too.
    number = order(305)
    await publish(kafka, wrap(completed(number, 300), "K-1"), partition=0)
    worker = build("onderhoud", kafka, backoffice)
    clock = worker.destination.clock
    flush, flushing, release = clock.flush, asyncio.Event(), asyncio.Event()

    async def held_flush() -> None:
        flushing.set()
        await release.wait()
        await flush()

    monkeypatch.setattr(clock, "flush", held_flush)
    async with running(worker):
        await backoffice.wait_for_received(1, system="onderhoud")
        await asyncio.wait_for(flushing.wait(), 10)
        assert await committed_offsets(kafka, worker.group_id) == {}
        release.set()
        (record,) = await read_records(kafka, status_clock_topic(kafka), 1)
        assert record.key == number.encode()
        past_the_fact = {(kafka.topics.orders, 0): 1}
        for _ in range(500):  # the commit follows the flush; poll the broker for it
            if await committed_offsets(kafka, worker.group_id) == past_the_fact:
                break
        assert await committed_offsets(kafka, worker.group_id) == past_the_fact


async def test_one_order_waits_for_a_slow_answer_while_another_goes_on(kafka, backoffice) -> None:
    slow, quick = order(401), order(402)
    backoffice.state.add_fault("onderhoud", None, delay_seconds=0.8, path_contains=slow)
    events = [
        wrap(OrderAccepted(order_number=slow, occurred_at=at(0)), "S-1"),
        wrap(AdministrativelyCompleted(order_number=slow, occurred_at=at(1)), "S-2"),
        wrap(OrderAccepted(order_number=quick, occurred_at=at(0)), "Q-1"),
        wrap(AdministrativelyCompleted(order_number=quick, occurred_at=at(1)), "Q-2"),
    ]
    await publish(kafka, *events, partition=0)  # both orders share one partition
    async with running(build("onderhoud", kafka, backoffice)):
        received = await backoffice.wait_for_received(4, system="onderhoud")

    # The quick order is done while the slow one's first fact waits; each in its own order.
    assert [r.referentienummer for r in received] == [
        ref("Q-1"), ref("Q-2"), ref("S-1"), ref("S-2"),
    ]  # fmt: skip
    assert backoffice.state.order(slow)["status"] == {"code": "FIN"}
