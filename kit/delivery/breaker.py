"""A circuit breaker per destination: wait out a maintenance window instead of failing.

A corporation's system answers 503 for up to an hour during maintenance. Retrying
every fact on its own would spend every retry budget and fill the dead letters with
facts that are fine. The breaker sees the system, not the fact:

    CLOSED ──(failure_threshold system-down faults in a row,
              or a fact's budget spent on them)──> OPEN
    OPEN ──(probe_interval passed)──> HALF_OPEN: one real delivery goes out as the probe
    HALF_OPEN ──(any answer but system-down)──> CLOSED        (everyone resumes, in order)
    HALF_OPEN ──(system-down again)──> OPEN, next probe after twice the interval (capped)

While it is not closed the delivery worker pauses the destination's consumption
(``consumer.pause``) and every delivery waits in :meth:`CircuitBreaker.admit`; no
fact is dead-lettered for the system being down. The probe is a real fact with its
own Referentienummer, so it is safe to send any number of times.

"System down" is :attr:`kit.delivery.errors.PassingFault.system_down`: 502/503/504,
time-outs and refused connections. A 429 is the system asking us to slow down: it
does not count, but it keeps a half-open breaker open. Any other answer (2xx, 4xx,
a 500) shows the system is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from enum import StrEnum

from pydantic import Field

from contracts.settings import SettingsModel
from kit.delivery.errors import PassingFault

log = logging.getLogger(__name__)


class BreakerSettings(SettingsModel):
    """When a destination counts as down, and how often to look whether it is back."""

    failure_threshold: int = Field(
        default=5, ge=1, description="System-down faults in a row (any fact) that open it."
    )
    probe_interval_seconds: float = Field(
        default=15.0, gt=0, description="Wait before the first probe once open."
    )
    max_probe_interval_seconds: float = Field(
        default=120.0, gt=0, description="The wait doubles per failed probe up to this."
    )


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class BreakerOpen(Exception):
    """Raised inside a retry loop when the breaker opened meanwhile: stop, wait, go on."""


class CircuitBreaker:
    """One destination's breaker; lives in one event loop, so state changes need no lock."""

    def __init__(
        self,
        name: str,
        settings: BreakerSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._settings = settings
        self._clock = clock
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._interval = settings.probe_interval_seconds
        self._probe_at = 0.0
        self._changed = asyncio.Event()
        self.opened = 0
        """How often it opened (for stats and tests)."""

    @property
    def closed(self) -> bool:
        return self.state is BreakerState.CLOSED

    async def admit(self) -> None:
        """Return when a delivery may go out: at once while closed; while open, one caller
        (the probe) once the probe interval has passed; everyone else waits for the result."""
        while True:
            if self.state is BreakerState.CLOSED:
                return
            now = self._clock()
            if self.state is BreakerState.OPEN and now >= self._probe_at:
                self.state = BreakerState.HALF_OPEN
                log.info("destination %s: probing", self.name)
                return
            changed = self._changed
            timeout = self._probe_at - now if self.state is BreakerState.OPEN else None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await changed.wait()

    @contextlib.asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Wrap one call: its outcome tells the breaker whether the system is there."""
        try:
            yield
        except PassingFault as fault:
            if fault.system_down:
                self._failure()
            elif self.state is BreakerState.HALF_OPEN:
                self._open()  # throttled while probing: not back yet
            raise
        except asyncio.CancelledError:
            if self.state is BreakerState.HALF_OPEN:
                # The probe was cancelled (shutdown, rebalance): let the next one go at once.
                self.state = BreakerState.OPEN
                self._probe_at = self._clock()
                self._notify()
            raise
        except Exception:
            self._success()  # an answer (4xx, 401) or a mapping error: the system is there
            raise
        else:
            self._success()

    def trip(self) -> None:
        """Open now: a fact spent its whole budget on the system being down."""
        if self.state is BreakerState.CLOSED:
            self._open()

    def _failure(self) -> None:
        self._failures += 1
        if self.state is BreakerState.HALF_OPEN:
            self._interval = min(self._interval * 2, self._settings.max_probe_interval_seconds)
            self._open()
        elif self.state is BreakerState.CLOSED and (
            self._failures >= self._settings.failure_threshold
        ):
            self._open()

    def _success(self) -> None:
        self._failures = 0
        if self.state is not BreakerState.CLOSED:
            log.warning("destination %s answers again: breaker closed, delivery resumes", self.name)
            self.state = BreakerState.CLOSED
            self._interval = self._settings.probe_interval_seconds
            self._notify()

    def _open(self) -> None:
        if self.state is BreakerState.CLOSED:
            self.opened += 1
            log.error(
                "destination %s is down: breaker open, its consumption paused; "
                "probing every %.3g s or more",
                self.name,
                self._interval,
            )
        self.state = BreakerState.OPEN
        self._probe_at = self._clock() + self._interval
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
