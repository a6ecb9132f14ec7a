"""The retry rule, once for every destination.

Exponential back-off with full jitter (AWS's "full jitter": a random wait between 0
and the exponential cap), a ``Retry-After`` from the destination honoured as the
least wait, and only passing faults retried. Each destination has its own budget
(attempts and elapsed time); when it is spent, the fact is dead-lettered.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from pydantic import Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from contracts.settings import SettingsModel
from kit.delivery.errors import PassingFault


class RetryPolicy(SettingsModel):
    """A destination's retry budget."""

    max_attempts: int = Field(default=6, ge=1)
    first_wait: float = Field(default=0.5, gt=0, description="Seconds; the cap doubles per try.")
    max_wait: float = Field(default=30.0, gt=0, description="Cap of one back-off wait, seconds.")
    max_elapsed: float = Field(default=300.0, gt=0, description="Give up after this, seconds.")
    max_retry_after: float = Field(
        default=120.0, gt=0, description="The longest Retry-After honoured, seconds."
    )

    def retrying(self, *, stop_when: Callable[[], bool] | None = None) -> AsyncRetrying:
        """A tenacity controller for one delivery; re-raises the last fault when spent.

        ``stop_when`` ends the retries early (the circuit breaker opened: the fact waits
        for the system instead of spending its budget).
        """
        jitter = wait_random_exponential(multiplier=self.first_wait, max=self.max_wait)

        def wait(state: RetryCallState) -> float:
            backoff = jitter(state)
            outcome = state.outcome
            fault = outcome.exception() if outcome is not None else None
            retry_after = getattr(fault, "retry_after", None)
            if retry_after is not None:
                return max(backoff, min(float(retry_after), self.max_retry_after))
            return backoff

        stop = stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_elapsed)
        if stop_when is not None:
            stop = stop | _StopWhen(stop_when)
        return AsyncRetrying(
            retry=retry_if_exception_type(PassingFault),
            wait=wait,
            stop=stop,
            reraise=True,
        )


class _StopWhen(stop_base):
    """Stop as soon as a condition outside the retries holds (the breaker opened)."""

    def __init__(self, condition: Callable[[], bool]) -> None:
        self._condition = condition

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._condition()


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds, from an answer's (case-insensitive) headers, in either of
    its two forms (seconds or an HTTP date); None when absent or unreadable (a date
    without a zone included)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
