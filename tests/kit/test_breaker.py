"""The circuit breaker's states, with a clock the test turns."""

from __future__ import annotations

import asyncio

import pytest

from kit.delivery.breaker import BreakerSettings, BreakerState, CircuitBreaker
from kit.delivery.errors import DestinationUnavailable, RateLimited, Rejected

SETTINGS = BreakerSettings(
    failure_threshold=3, probe_interval_seconds=10, max_probe_interval_seconds=25
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def down() -> DestinationUnavailable:
    return DestinationUnavailable("PATCH /x answered 503", status=503)


async def fail(breaker: CircuitBreaker, fault: Exception) -> None:
    with pytest.raises(type(fault)):
        async with breaker.guard():
            raise fault


async def succeed(breaker: CircuitBreaker) -> None:
    async with breaker.guard():
        pass


async def test_opens_after_the_threshold_of_system_down_faults_in_a_row() -> None:
    breaker = CircuitBreaker("onderhoud", SETTINGS, clock=Clock())
    await fail(breaker, down())
    await fail(breaker, down())
    await succeed(breaker)  # an answer in between: the count starts again
    await fail(breaker, down())
    await fail(breaker, down())
    assert breaker.state is BreakerState.CLOSED
    await fail(breaker, down())
    assert breaker.state is BreakerState.OPEN
    assert breaker.opened == 1


async def test_a_500_a_429_or_a_400_do_not_count() -> None:
    breaker = CircuitBreaker("onderhoud", SETTINGS, clock=Clock())
    for _ in range(5):
        await fail(breaker, DestinationUnavailable("500", status=500))
        await fail(breaker, RateLimited("429", retry_after=1))
        await fail(breaker, Rejected("400", status=400, response_body=""))
    assert breaker.state is BreakerState.CLOSED


async def test_open_lets_one_probe_through_after_the_interval_and_closes_on_an_answer() -> None:
    clock = Clock()
    breaker = CircuitBreaker("onderhoud", SETTINGS, clock=clock)
    breaker.trip()
    waiter = asyncio.create_task(breaker.admit())
    await asyncio.sleep(0.01)
    assert not waiter.done()  # waits while open
    clock.now += 10
    await asyncio.wait_for(breaker.admit(), 1)  # this caller is the probe
    assert breaker.state is BreakerState.HALF_OPEN
    await asyncio.sleep(0.01)
    assert not waiter.done()  # everyone else waits for the probe
    await succeed(breaker)
    await asyncio.wait_for(waiter, 1)
    assert breaker.state is BreakerState.CLOSED


async def test_a_failed_probe_opens_again_for_twice_as_long_up_to_the_cap() -> None:
    clock = Clock()
    breaker = CircuitBreaker("onderhoud", SETTINGS, clock=clock)
    breaker.trip()
    for expected_wait in (20, 25, 25):
        clock.now += 100
        await breaker.admit()
        await fail(breaker, down())
        assert breaker.state is BreakerState.OPEN
        clock.now += expected_wait - 0.5
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(breaker.admit(), 0.05)
        clock.now += 0.5
        await asyncio.wait_for(breaker.admit(), 1)
        await fail(breaker, down())
        clock.now -= expected_wait  # undo, so the loop's +100 starts from the same place


async def test_a_cancelled_probe_lets_the_next_one_go_at_once() -> None:
    clock = Clock()
    breaker = CircuitBreaker("onderhoud", SETTINGS, clock=clock)
    breaker.trip()
    clock.now += 10
    await breaker.admit()

    async def probe() -> None:
        async with breaker.guard():
            await asyncio.sleep(10)

    task = asyncio.create_task(probe())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is BreakerState.OPEN
    await asyncio.wait_for(breaker.admit(), 1)
    assert breaker.state is BreakerState.HALF_OPEN
