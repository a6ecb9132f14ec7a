"""The rate limit on a fake clock: never more than ``limit`` requests in any window."""

from __future__ import annotations

import asyncio

import pytest

from connectors.channels.poller import RateLimiter


class FakeClock:
    """Time that moves only when a waiter sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def max_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_sixty_a_minute_then_the_61st_waits_until_the_first_left_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep)
    started: list[float] = []
    for _ in range(61):
        async with limiter.slot():
            started.append(clock.now)
    assert started[:60] == [1000.0] * 60
    assert started[60] == 1060.0
    assert clock.sleeps == [60.0]


async def test_a_steady_stream_never_exceeds_the_limit_in_any_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(60, 60.0, clock=clock, sleep=clock.sleep)
    started: list[float] = []
    for i in range(300):
        async with limiter.slot():
            started.append(clock.now)
            clock.now += 0.1 * (i % 7)  # requests that take a while
    assert max_in_any_window(started, 60.0) == 60
    assert len(started) == 300


async def test_a_slow_request_counts_from_when_it_ended() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, clock=clock, sleep=clock.sleep)
    async with limiter.slot():
        clock.now += 5.0  # the first answer takes 5 s: it ends at 1005
    async with limiter.slot():
        pass  # ends at 1005
    async with limiter.slot():
        third = clock.now
    assert third == 1015.0  # 10 s after the first one *ended*, not after it started


async def test_requests_in_flight_hold_their_slots_and_waiters_go_in_turn() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, clock=clock, sleep=clock.sleep)
    release = asyncio.Event()
    order: list[str] = []

    async def request(name: str) -> None:
        async with limiter.slot():
            order.append(name)
            await release.wait()

    tasks = [asyncio.create_task(request(name)) for name in ("a", "b", "c")]
    await asyncio.sleep(0.01)
    assert order == ["a", "b"]  # c waits: both slots are in flight
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["a", "b", "c"]
    assert clock.now == 1010.0  # c went once the first ended request left the window


def test_a_limit_needs_sense() -> None:
    with pytest.raises(ValueError, match="limit"):
        RateLimiter(0, 60.0)
    with pytest.raises(ValueError, match="window"):
        RateLimiter(60, 0)
