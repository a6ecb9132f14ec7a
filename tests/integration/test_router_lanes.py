"""The delivery worker's lanes: ``concurrency`` long-lived tasks share the pending orders.

More orders than lanes still go each in its own order, the orders take turns fact by
fact, no more than ``concurrency`` calls are out at a time, and a rebalance that cuts
deliveries short leaves lanes that go on (the cut facts come again, done once)."""

from __future__ import annotations

from contracts import AdministrativelyCompleted, AppointmentPlanned, OrderAccepted
from router.delivery import DeliveryWorker
from tests.kafka_helpers import eventually
from tests.router.kit import at, build, publish, ref, running, wrap


def assigned(worker: DeliveryWorker) -> int:
    """How many partitions of the canonical topic a running worker holds (0 while it is
    still starting); its replay topic's partitions are not counted."""
    try:
        return sum(tp.topic in worker.sources for tp in worker.engine.consumer.assignment())
    except RuntimeError:  # not started yet
        return 0


def order(n: int) -> str:
    return f"WL-2026-{n:06d}"


def accepted(number: str, message_id: str):
    return wrap(OrderAccepted(order_number=number, occurred_at=at(0)), message_id)


def planned(number: str, message_id: str):
    fact = AppointmentPlanned(
        order_number=number, occurred_at=at(1), starts_at=at(60), ends_at=at(120)
    )
    return wrap(fact, message_id)


def completed(number: str, message_id: str):
    return wrap(AdministrativelyCompleted(order_number=number, occurred_at=at(2)), message_id)


async def test_orders_take_turns_fact_by_fact_on_one_lane(kafka, backoffice) -> None:
    # Published order by order; one lane delivers one fact of each ready order in turn,
    # so an order with many facts does not hold a lane while the others wait.
    a, b, c = order(301), order(302), order(303)
    await publish(
        kafka,
        accepted(a, "A-1"), planned(a, "A-2"),
        accepted(b, "B-1"), planned(b, "B-2"),
        accepted(c, "C-1"), planned(c, "C-2"),
        partition=0,
    )  # fmt: skip
    worker = build("onderhoud", kafka, backoffice, concurrency=1)
    async with running(worker):
        received = await backoffice.wait_for_received(6, system="onderhoud")
        await eventually(lambda: worker.stats.outcomes["delivered"] == 6, what="6 delivered")

    assert [r.referentienummer for r in received] == [
        ref("A-1"), ref("B-1"), ref("C-1"), ref("A-2"), ref("B-2"), ref("C-2"),
    ]  # fmt: skip
    assert len(backoffice.state.calls()) == 6


async def test_no_more_than_concurrency_calls_at_a_time(kafka, backoffice) -> None:
    # The first four calls take 0.3 s each; with two lanes the third and fourth can only
    # start once one of the first two is answered.
    backoffice.state.add_fault("onderhoud", None, delay_seconds=0.3, times=4)
    numbers = [order(311 + i) for i in range(4)]
    await publish(
        kafka,
        *(accepted(n, f"P-{i}") for i, n in enumerate(numbers)),
        *(planned(n, f"Q-{i}") for i, n in enumerate(numbers)),
    )
    worker = build("onderhoud", kafka, backoffice, concurrency=2)
    async with running(worker):
        received = await backoffice.wait_for_received(8, system="onderhoud")
        await eventually(lambda: worker.stats.outcomes["delivered"] == 8, what="8 delivered")

    slow = sorted(c.at for c in backoffice.state.calls() if c.delayed_seconds)
    assert len(slow) == 4
    assert (slow[2] - slow[0]).total_seconds() >= 0.29, slow
    assert (slow[3] - slow[1]).total_seconds() >= 0.29, slow
    for i, number in enumerate(numbers):
        mine = [r.referentienummer for r in received if r.path.endswith(number)]
        assert mine == [ref(f"P-{i}"), ref(f"Q-{i}")]


async def test_a_rebalance_cuts_deliveries_short_and_the_lanes_go_on(kafka, backoffice) -> None:
    # The first two calls hang (longer than the test, and than the client waits: only the
    # rebalance cuts them); two lanes, three orders, one per partition: both lanes are
    # held by a hanging call and the third order is queued.
    backoffice.state.add_fault("onderhoud", None, delay_seconds=60, times=2)
    numbers = [order(321 + p) for p in range(3)]
    first = build("onderhoud", kafka, backoffice, concurrency=2, timeout_seconds=30)
    assert isinstance(first, DeliveryWorker)
    async with running(first) as first_run:
        # Settled first: a group that is still forming would rebalance on its own.
        await eventually(lambda: assigned(first) == 3, what="the first holds every partition")
        for p, number in enumerate(numbers):
            await publish(kafka, accepted(number, f"R-{p}"), planned(number, f"S-{p}"), partition=p)
        await eventually(lambda: first.stats.attempts == 2, what="both lanes in a call")
        assert first.stats.outcomes["delivered"] == 0

        # A second instance joins the group: every partition is revoked from the first
        # (cutting its two calls short, dropping its queued order) and shared out again.
        second = build("onderhoud", kafka, backoffice, concurrency=2, timeout_seconds=30)
        assert isinstance(second, DeliveryWorker)
        async with running(second) as second_run:
            await eventually(
                lambda: (
                    min(assigned(first), assigned(second)) > 0
                    and assigned(first) + assigned(second) == 3
                ),
                what="the partitions shared by both",
            )
            received = await backoffice.wait_for_received(6, system="onderhoud")
            await eventually(
                lambda: first.stats.outcomes["delivered"] + second.stats.outcomes["delivered"] == 6,
                what="6 delivered",
            )

    # Each fact took effect once, each order in its order, and the first instance's lanes
    # (cancelled and replaced in the rebalance) went on delivering after it. Which
    # instance delivered what is the group's choice: the joining member may need a
    # second round (it first learns its member id), in which the first gets every
    # partition back for a while.
    assert sorted(r.referentienummer for r in received) == sorted(
        ref(f"{kind}-{p}") for kind in "RS" for p in range(3)
    )
    for p, number in enumerate(numbers):
        mine = [r.referentienummer for r in received if r.path.endswith(number)]
        assert mine == [ref(f"R-{p}"), ref(f"S-{p}")]
    assert first_run.exception() is None  # both stopped cleanly
    assert second_run.exception() is None
    assert first.stats.outcomes["delivered"] > 0
    assert first.stats.attempts + second.stats.attempts == 8  # 6, and the 2 cut short
    assert first.stats.outcomes["dead_lettered"] == second.stats.outcomes["dead_lettered"] == 0
