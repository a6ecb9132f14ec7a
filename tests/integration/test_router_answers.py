"""Each class of answer a VERA system gives, and what the router does about it, with the
exact calls the reference back office received."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest

from contracts import DeadLetterHeader, OrderAccepted, context_of
from kit.delivery.breaker import BreakerState
from router.delivery import DestinationStopped
from tests.kafka_helpers import eventually, read_records
from tests.router.kit import at, build, publish, ref, running, wrap


def accepted(number: int, message_id: str, minutes: float = 0):
    fact = OrderAccepted(order_number=f"WL-2026-{number:06d}", occurred_at=at(minutes))
    return wrap(fact, message_id)


def calls_of(backoffice, message_id: str) -> list[int]:
    return [c.status for c in backoffice.state.calls() if c.referentienummer == ref(message_id)]


async def test_400_404_409_422_go_to_the_dead_letters_at_once_with_the_answer(
    kafka, backoffice
) -> None:
    for number, status in ((1, 400), (2, 404), (3, 409), (4, 422)):
        backoffice.state.add_fault(
            "onderhoud", status, path_contains=f"{number:06d}",
            body={"code": str(status), "omschrijving": f"antwoord {status}"},
        )  # fmt: skip
    await publish(kafka, *(accepted(n, f"A-{n}") for n in (1, 2, 3, 4, 5)))
    worker = build("onderhoud", kafka, backoffice)
    async with running(worker):
        parked = await read_records(kafka, kafka.topics.deadletter("onderhoud"), 4)
        await backoffice.wait_for_received(1, system="onderhoud")

    letters = {(c := context_of(tuple(r.headers)))[DeadLetterHeader.MESSAGE_ID]: c for r in parked}
    for number, status, kind in ((1, 400, "Rejected"), (2, 404, "Rejected"),
                                 (3, 409, "Conflict"), (4, 422, "Rejected")):  # fmt: skip
        letter = letters[ref(f"A-{number}")]
        assert letter[DeadLetterHeader.EXCEPTION] == kind
        assert letter[DeadLetterHeader.ATTEMPTS] == "1"
        assert f"answered {status}" in letter[DeadLetterHeader.MESSAGE]
        assert f"antwoord {status}" in letter[DeadLetterHeader.RESPONSE]
        assert calls_of(backoffice, f"A-{number}") == [status]  # not retried
    assert calls_of(backoffice, "A-5") == [200]
    assert (worker.stats.outcomes["dead_lettered"], worker.stats.outcomes["delivered"]) == (4, 1)


@pytest.mark.parametrize("status", [401, 403])
async def test_a_credential_answer_stops_the_destination_loudly(kafka, backoffice, status) -> None:
    backoffice.state.add_fault("onderhoud", status)
    await publish(kafka, accepted(1, "C-1"))
    worker = build("onderhoud", kafka, backoffice)
    with pytest.raises(DestinationStopped, match=f"answered {status}"):
        await asyncio.wait_for(worker.run(asyncio.Event()), 10)
    assert calls_of(backoffice, "C-1") == [status]
    assert worker.stats.outcomes["dead_lettered"] == 0

    # Not a message problem: once the key is right again the same fact goes, same reference.
    restarted = build("onderhoud", kafka, backoffice)
    async with running(restarted):
        await backoffice.wait_for_received(1, system="onderhoud")
    assert calls_of(backoffice, "C-1") == [status, 200]


async def test_a_429_is_retried_after_the_wait_it_asks_for(kafka, backoffice) -> None:
    backoffice.state.add_fault("onderhoud", 429, retry_after=0.4)
    await publish(kafka, accepted(1, "R-1"))
    async with running(build("onderhoud", kafka, backoffice)):
        await backoffice.wait_for_received(1, system="onderhoud")
    first, second = backoffice.state.calls()
    assert (first.status, second.status) == (429, 200)
    assert first.referentienummer == second.referentienummer == ref("R-1")
    assert (second.at - first.at).total_seconds() >= 0.4


async def test_5xx_is_retried_with_the_same_reference(kafka, backoffice) -> None:
    backoffice.state.add_fault("onderhoud", 500, times=1)
    backoffice.state.add_fault("onderhoud", 502, times=1)
    await publish(kafka, accepted(1, "F-1"))
    worker = build("onderhoud", kafka, backoffice)
    async with running(worker):
        await backoffice.wait_for_received(1, system="onderhoud")
    assert calls_of(backoffice, "F-1") == [500, 502, 200]
    assert worker.breaker.opened == 0


async def test_a_500_that_stays_spends_the_fact_budget_and_parks_only_that_fact(
    kafka, backoffice
) -> None:
    backoffice.state.add_fault("onderhoud", 500, times=99, path_contains="000001")
    await publish(kafka, accepted(1, "P-1"), accepted(2, "P-2"))
    worker = build("onderhoud", kafka, backoffice)
    async with running(worker):
        (parked,) = await read_records(kafka, kafka.topics.deadletter("onderhoud"), 1)
    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.EXCEPTION] == "DestinationUnavailable"
    assert context[DeadLetterHeader.ATTEMPTS] == "4"  # the configured max_attempts
    assert calls_of(backoffice, "P-1") == [500] * 4
    assert calls_of(backoffice, "P-2") == [200]
    assert worker.breaker.opened == 0  # a 500 is this fact's trouble, not the system's


async def test_a_time_out_is_retried_and_the_corporation_does_it_once(kafka, backoffice) -> None:
    # The first answer comes after the client gave up; the system did it all the same.
    backoffice.state.add_fault("onderhoud", None, delay_seconds=0.6)
    await publish(kafka, accepted(1, "T-1"))
    worker = build("onderhoud", kafka, backoffice, timeout_seconds=0.3)
    async with running(worker):
        await eventually(
            lambda: worker.stats.outcomes["delivered"] == 1, what="delivered after a time-out"
        )
        await eventually(lambda: len(backoffice.state.calls()) == 2, what="both calls answered")
    assert worker.stats.attempts == 2
    calls = backoffice.state.calls()
    assert {c.referentienummer for c in calls} == {ref("T-1")}
    assert sorted(c.replay for c in calls) == [False, True]  # one effect, one replay
    assert len(backoffice.state.received()) == 1


async def test_a_maintenance_window_pauses_the_destination_and_fills_no_dead_letters(
    kafka, backoffice
) -> None:
    # An hour of 503, made short: the window ends when the test says so.
    backoffice.state.add_fault("onderhoud", 503, until_seconds=3600)
    await publish(kafka, accepted(1, "M-1", 0), accepted(2, "M-2", 0), partition=0)
    worker = build("onderhoud", kafka, backoffice)
    async with running(worker):
        await eventually(lambda: worker.breaker.state is not BreakerState.CLOSED, what="open")
        consumer = worker.engine.consumer
        await eventually(lambda: consumer.paused() == consumer.assignment(),
                         what="every partition paused")  # fmt: skip
        await publish(kafka, accepted(1, "M-3", 5), accepted(3, "M-4", 5), partition=0)
        before_probing = len(backoffice.state.calls())
        await eventually(
            lambda: len(backoffice.state.calls()) >= before_probing + 3, what="probing"
        )
        backoffice.state.clear_faults()  # the maintenance is over
        received = await backoffice.wait_for_received(4, system="onderhoud", timeout=10)
        await eventually(lambda: worker.stats.outcomes["delivered"] == 4, what="4 delivered")

    window = [c for c in backoffice.state.calls() if c.fault]
    assert {c.status for c in window} == {503}
    assert {c.referentienummer for c in window} <= {ref("M-1"), ref("M-2")}  # M-3/4: paused
    order_1 = [r.referentienummer for r in received if r.path.endswith("000001")]
    assert order_1 == [ref("M-1"), ref("M-3")]  # in order once the system is back
    assert worker.stats.outcomes["dead_lettered"] == 0
    assert await read_records(kafka, kafka.topics.deadletter("onderhoud"), 0) == []
    assert worker.breaker.opened == 1
    # Probing, not hammering: once every partition is paused, one probe at a time, at
    # least the probe interval (0.1 s, doubling to 0.2 s) apart.
    probes = [c for c in backoffice.state.calls()[before_probing:] if c.fault]
    assert len(probes) >= 3
    gaps = [(b.at - a.at).total_seconds() for a, b in pairwise(probes)]
    assert min(gaps) >= 0.09, gaps


async def test_a_restart_in_the_middle_of_a_retry_delivers_once(kafka, backoffice) -> None:
    backoffice.state.add_fault("onderhoud", 503, retry_after=30)  # a long wait to be cut short
    await publish(kafka, accepted(1, "X-1"))
    first = build("onderhoud", kafka, backoffice)
    async with running(first):
        await eventually(lambda: calls_of(backoffice, "X-1") == [503], what="first attempt")
    assert (
        first.stats.outcomes["delivered"] == 0
    )  # stopped while waiting to retry: nothing committed

    second = build("onderhoud", kafka, backoffice)
    async with running(second):
        await backoffice.wait_for_received(1, system="onderhoud")
        await eventually(
            lambda: second.stats.outcomes["delivered"] == 1, what="delivered after restart"
        )
    assert calls_of(backoffice, "X-1") == [503, 200]
    assert len(backoffice.state.received()) == 1
