"""When Kafka is away: every ketenbus process waits, backs off and says so in few lines.

One mechanism for all processes (docs/architecture.md, "When Kafka is away"):

- :func:`wait_for_kafka` - at start, wait with back-off until the cluster answers a
  metadata request, instead of exiting with a traceback.
- :class:`KafkaOutage` - the process's one view of whether Kafka answers, and the only
  lines ops read about an outage: ``Kafka unreachable at X since T, retrying`` when it
  starts and every :data:`REPORT_EVERY_SECONDS`, ``Kafka reachable again after N s``
  when it ends.
- :func:`watch_kafka` - while a process runs, it probes the cluster every 5 s and at
  once when aiokafka logs a connection error, then with back-off until it answers, so
  the start and end of an outage are logged although aiokafka's clients retry quietly.
- :class:`AiokafkaNoise` - a logging filter that lets each kind of aiokafka warning or
  error through once a minute (its clients log every failed attempt: thousands of
  lines a second during an outage), never with a traceback, and reports connection
  errors to the watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError

from contracts.kafka import KafkaSettings

log = logging.getLogger(__name__)

REPORT_EVERY_SECONDS = 60.0
"""How often an ongoing outage is logged again (and each kind of aiokafka line)."""

PROBE_TIMEOUT_SECONDS = 5.0
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 5.0
"""Between two probes of an outage: doubling from 0.5 s up to 5 s, so a process notices
a broker that is back within a few seconds, and an outage costs one metadata request
every 5 s."""

WATCH_EVERY_SECONDS = 5.0
"""How often a running process probes the cluster while all seems well."""


class KafkaOutage:
    """Whether this process reaches Kafka, and the lines that say when it does not."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        report_every: float = REPORT_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._report_every = report_every
        self._clock = clock
        self._since: float | None = None
        self._since_wall: datetime | None = None
        self._reported = 0.0
        self.reason = ""

    @property
    def down(self) -> bool:
        return self._since is not None

    @property
    def since(self) -> datetime | None:
        """When this outage began (aware, local time), None while Kafka answers."""
        return self._since_wall

    def failed(self, reason: str) -> None:
        """Kafka did not answer: the first line of an outage, then one per interval."""
        now = self._clock()
        self.reason = reason
        if self._since is None:
            self._since, self._since_wall, self._reported = now, datetime.now().astimezone(), now
        elif now - self._reported < self._report_every:
            return
        self._reported = now
        assert self._since_wall is not None
        log.warning(
            "Kafka unreachable at %s since %s (%s), retrying",
            self.bootstrap_servers,
            self._since_wall.isoformat(timespec="seconds"),
            reason,
        )

    def reached(self) -> None:
        """Kafka answered: ends an outage with one line."""
        if self._since is None:
            return
        seconds = self._clock() - self._since
        self._since = self._since_wall = None
        self.reason = ""
        log.warning("Kafka reachable again at %s after %.0f s", self.bootstrap_servers, seconds)


_outages: dict[str, KafkaOutage] = {}


def outage(kafka: KafkaSettings) -> KafkaOutage:
    """The process's one :class:`KafkaOutage` for this cluster (shared by its parts)."""
    found = _outages.get(kafka.bootstrap_servers)
    if found is None:
        found = _outages[kafka.bootstrap_servers] = KafkaOutage(kafka.bootstrap_servers)
    return found


async def probe(kafka: KafkaSettings, within: float = PROBE_TIMEOUT_SECONDS) -> str | None:
    """None when the cluster answers a metadata request, else what went wrong (a name)."""
    client = AIOKafkaClient(
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=f"{kafka.client_id}-probe",
        request_timeout_ms=int(within * 1000),
    )
    try:
        async with asyncio.timeout(within):
            await client.bootstrap()
        return None
    except (KafkaError, OSError, TimeoutError) as exc:
        return type(exc).__name__
    finally:
        await client.close()


async def wait_for_kafka(kafka: KafkaSettings, stopping: asyncio.Event) -> bool:
    """Return once the cluster answers (True), or when ``stopping`` is set first (False).

    Every process calls this before it touches Kafka, so one started while Kafka is away
    waits with back-off and says so (:class:`KafkaOutage`) instead of exiting."""
    state = outage(kafka)
    backoff = FIRST_BACKOFF_SECONDS
    while not stopping.is_set():
        problem = await probe(kafka)
        if problem is None:
            state.reached()
            return True
        state.failed(problem)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
    return False


# -- while running: aiokafka's connection errors start a probe -----------------------------

_suspected: asyncio.Event | None = None


def _suspect() -> None:
    """Called by :class:`AiokafkaNoise` (on the event loop) for a connection error."""
    if _suspected is not None:
        _suspected.set()


@contextlib.asynccontextmanager
async def watch_kafka(
    kafka: KafkaSettings, *, every: float = WATCH_EVERY_SECONDS
) -> AsyncIterator[KafkaOutage]:
    """While inside: the cluster is probed every ``every`` seconds, and at once when
    aiokafka logs a connection error; a failed probe is retried with back-off until
    the cluster answers, logging the outage's start and end (:class:`KafkaOutage`).

    The regular probe covers a process whose clients are idle (a webhook nobody
    writes to notices an outage before the next partner does, and says so on
    ``/health``)."""
    global _suspected
    suspected = _suspected = asyncio.Event()
    state = outage(kafka)
    never = asyncio.Event()

    async def watch() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(suspected.wait(), timeout=every)
            suspected.clear()
            await wait_for_kafka(kafka, never)
            # Errors aiokafka logged while the probe ran are about the same outage.
            suspected.clear()

    task = asyncio.create_task(watch(), name="kafka-watch")
    try:
        yield state
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if _suspected is suspected:
            _suspected = None


class AiokafkaNoise(logging.Filter):
    """Each kind of aiokafka warning or error once per interval, without a traceback.

    A kind is the logger and the message template ("Unable connect to %s:%s: %s"), so a
    new kind of problem still shows at once. A line let through after a quiet interval
    says how many like it were held back. Connection errors also start a probe
    (:func:`watch_kafka`). Install it on the handlers: a filter on the ``aiokafka``
    logger would not see the records of its child loggers."""

    def __init__(
        self, interval: float = REPORT_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._interval = interval
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("aiokafka") or record.levelno < logging.WARNING:
            return True
        if _is_connection_error(record):
            _suspect()
        kind = (record.name, str(record.msg))
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._last[kind] = now
        if record.exc_info and record.exc_info[1] is not None:
            # One line: the exception's type, not a traceback per reconnect.
            record.msg = f"{record.msg} ({type(record.exc_info[1]).__name__})"
            record.exc_info = None
            record.exc_text = None
        held = self._held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} [{held} like it in the last {self._interval:.0f} s]"
        return True


_CONNECTION_WORDS = ("connect", "bootstrap", "metadata", "node", "coordinator", "send")


def _is_connection_error(record: logging.LogRecord) -> bool:
    template = str(record.msg).lower()
    return any(word in template for word in _CONNECTION_WORDS)
