"""A strict request-rate limit: at most ``limit`` requests in any ``window`` seconds.

Roerdal allows 60 requests a minute and answers 429 above that. A token bucket or a
leaky bucket (aiolimiter, for instance) lets a full bucket burst and then refill while
the window is still open, so 60 at once plus one a second after that puts ~120 in one
minute. This limiter keeps the time of each of the last ``limit`` requests instead (a
sliding-window log) and only lets a request start when the oldest one left the
window.

A request's time is taken when it *ends* (its answer arrived or it failed), not when
it starts: a request that started at 0 s but reached Roerdal late must not let the
61st one in at 60 s. Requests still in flight occupy their slot. Token and feed calls
share one limiter, because Roerdal counts both.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


class RateLimiter:
    """``async with limiter.slot(): send()`` waits until the request may go."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._ended: deque[float] = deque()  # end times of finished requests, oldest first
        self._in_flight = 0
        self._turn = asyncio.Lock()  # first come, first served
        self._freed = asyncio.Event()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._ended.append(self._clock())
            self._freed.set()

    async def _acquire(self) -> None:
        async with self._turn:
            while True:
                now = self._clock()
                while self._ended and now >= self._ended[0] + self.window:
                    self._ended.popleft()
                if len(self._ended) + self._in_flight < self.limit:
                    self._in_flight += 1
                    return
                if self._ended:
                    # The oldest finished request leaves the window at a known time.
                    await self._sleep(self._ended[0] + self.window - now)
                else:
                    # Every slot is in flight: wait until one ends, then measure again.
                    self._freed.clear()
                    await self._freed.wait()
