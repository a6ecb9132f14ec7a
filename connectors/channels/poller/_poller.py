"""The poller: fetch a page from the durable cursor, commit it with the next cursor, repeat.

A partner's feed is a :class:`Feed`: ``fetch(cursor)`` returns a :class:`Page` (the
raw messages, the next cursor, and whether more is waiting). The poller runs it as a
Kafka Connect source task runs a connector:

1. at start, the last committed cursor from the state topic (``_cursor.py``);
2. fetch the page after it; passing faults of the source (time-outs, 5xx, 429, an
   unreadable page) are retried with exponential back-off and full jitter, honouring
   ``Retry-After``, for as long as it takes: there is nothing to dead-letter, the
   source will come back, and giving up would only stop the feed;
3. commit the page's raw records and its cursor in one transaction;
4. ``more`` -> fetch the next page at once; otherwise wait ``poll_interval``.

A refusal (credentials, a rejected request) or being fenced stops the poller loudly:
no retry can fix it. See docs/channels/poller.md for the fault table.

``ketenbus ingress`` runs a poller as a session of the feed's lease (one process at a
time polls a feed): the poller starts its transactional producer, which fences any
earlier one, only after ``holding()`` confirmed that this process holds the lease, so
a process that lost it while paused cannot take the transactional id back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from pydantic import Field
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

from connectors.channels.ingress_lease import always_holding
from connectors.channels.poller._cursor import CursorStore
from connectors.channels.poller.errors import CursorStoreError, SourceFault
from contracts import KafkaSettings, RawMessage
from contracts.settings import SettingsModel

log = logging.getLogger(__name__)

CHANNEL = "poll"


@dataclass(frozen=True)
class Page:
    """One answer of a feed: its raw messages (one per change), where to go on, and
    whether the source has more right now."""

    messages: tuple[RawMessage, ...]
    cursor: str
    more: bool


class Feed(Protocol):
    """A partner's change feed, as the poller needs it."""

    partner_id: str

    async def fetch(self, cursor: str | None) -> Page:
        """The page after ``cursor`` (None: the feed's beginning); raises a PollError."""
        ...

    async def aclose(self) -> None: ...


class Backoff(SettingsModel):
    """How the poller waits between attempts after a passing fault of the source."""

    first_wait: float = Field(default=1.0, gt=0, description="Seconds; the cap doubles per try.")
    max_wait: float = Field(default=60.0, gt=0, description="Cap of one back-off wait, seconds.")
    max_retry_after: float = Field(
        default=300.0, gt=0, description="The longest Retry-After honoured, seconds."
    )


@dataclass
class PollerStats:
    """Counters since start, for ops and tests."""

    pages: int = 0
    messages: int = 0
    source_faults: int = 0
    commit_failures: int = 0


class _Stopping(Exception):
    """``stopping`` was set during a wait."""


class Poller:
    def __init__(
        self,
        feed: Feed,
        kafka: KafkaSettings,
        *,
        poll_interval: float = 30.0,
        backoff: Backoff = Backoff(),  # noqa: B008 - frozen, so sharing the default is safe
        store: CursorStore | None = None,
        holding: Callable[[], Awaitable[bool]] = always_holding,
    ) -> None:
        self.feed = feed
        self._poll_interval = poll_interval
        self._backoff = backoff
        self._holding = holding
        self.store = store or CursorStore(kafka, feed.partner_id)
        self.stats = PollerStats()
        self.cursor: str | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        """Poll until ``stopping`` is set; raises SourceRefused or PollerFenced to stop loudly."""
        await self._start(stopping)
        try:
            while not stopping.is_set():
                try:
                    page = await self._fetch(stopping)
                except _Stopping:
                    return
                if not await self._commit(page, stopping):
                    continue
                if not page.more:
                    await _wait(stopping, self._poll_interval)
        finally:
            await self.store.stop()
            await self.feed.aclose()

    async def _start(self, stopping: asyncio.Event) -> None:
        """Start the store and read the cursor, waiting out a Kafka that is not there yet."""
        attempt = 0
        while True:
            if not await self._holding():
                # Not the lease's holder (any more): starting would fence the one that is.
                await _wait(stopping, self._backoff.max_wait)
                if stopping.is_set():
                    return
                continue
            try:
                await self.store.start()
                self.cursor = await self.store.load()
                log.info("poller %s resumes %s", self.feed.partner_id, _at(self.cursor))
                return
            except CursorStoreError as exc:
                attempt += 1
                log.warning("poller %s cannot start: %s", self.feed.partner_id, exc)
                await self.store.stop()
                await _wait(stopping, min(self._backoff.max_wait, 2.0**attempt))
                if stopping.is_set():
                    return

    async def _fetch(self, stopping: asyncio.Event) -> Page:
        async for attempt in self._retrying(stopping):
            with attempt:
                return await self.feed.fetch(self.cursor)
        raise AssertionError("unreachable: the retry loop never gives up")

    async def _commit(self, page: Page, stopping: asyncio.Event) -> bool:
        """Commit the page with its cursor; on failure re-read the cursor (the commit may
        have landed after all) and let the caller fetch from there again."""
        if not page.messages and page.cursor == self.cursor:
            return True  # an empty page that moves nothing: nothing to keep
        try:
            await self.store.commit(page.messages, page.cursor)
        except CursorStoreError as exc:
            self.stats.commit_failures += 1
            log.warning("poller %s: %s; fetching that page again", self.feed.partner_id, exc)
            await self.store.stop()
            await _wait(stopping, self._backoff.first_wait)
            if not stopping.is_set():
                await self._start(stopping)
            return False
        self.cursor = page.cursor
        self.stats.pages += 1
        self.stats.messages += len(page.messages)
        log.info(
            "poller %s committed %d record(s), more=%s",
            self.feed.partner_id,
            len(page.messages),
            page.more,
        )
        return True

    def _retrying(self, stopping: asyncio.Event) -> AsyncRetrying:
        jitter = wait_random_exponential(
            multiplier=self._backoff.first_wait, max=self._backoff.max_wait
        )
        cap = self._backoff.max_retry_after

        def wait(state: RetryCallState) -> float:
            backoff = jitter(state)
            fault = state.outcome.exception() if state.outcome is not None else None
            retry_after = getattr(fault, "retry_after", None)
            if retry_after is not None:
                return max(backoff, min(float(retry_after), cap))
            return backoff

        def before_sleep(state: RetryCallState) -> None:
            self.stats.source_faults += 1
            fault = state.outcome.exception() if state.outcome is not None else None
            log.warning(
                "poller %s: %s (%s); next try in %.1f s",
                self.feed.partner_id,
                type(fault).__name__,
                fault,
                state.upcoming_sleep,
            )

        async def sleep(seconds: float) -> None:
            await _wait(stopping, seconds)
            if stopping.is_set():
                raise _Stopping()

        return AsyncRetrying(
            retry=retry_if_exception_type(SourceFault),
            wait=wait,
            sleep=sleep,
            before_sleep=before_sleep,
            reraise=True,
        )


async def _wait(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less when ``stopping`` is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stopping.wait()


def _at(cursor: str | None) -> str:
    return "from the feed's beginning" if cursor is None else "from its committed cursor"
