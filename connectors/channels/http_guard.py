"""Connection limits for the embedded uvicorn: what one idle or greedy client may hold.

uvicorn (h11) keeps a connection that sent half a request head for ever, accepts
connections until the process runs out of file descriptors, and then asyncio logs a
traceback for every failed ``accept()``. A few thousand idle connections took every
descriptor from the webhook, real partner requests timed out and the log grew by
100 MB. This module bounds that:

* **header timeout**: a connection whose request head is not complete within
  ``header_timeout_seconds`` of connecting (or of its first byte after a keep-alive
  pause) is closed;
* **connection limit**: at most ``max_connections`` connections are open. A new one
  at the limit takes the place of the oldest connection that is not serving a
  request (waiting for its head, idle between requests, or lingering); only when
  every connection is busy with a request is the new one refused with a ``503``.
  An idle attacker thus never keeps a partner out;
* **lingering close**: when the server answers before it read the whole request
  (``413`` on ``Content-Length``, ``401`` on a stale signature) and closes, it first
  sends its answer and its FIN, then reads and drops what the client still sends
  (up to ``linger_bytes`` or ``linger_seconds``). Closing at once made the kernel
  answer the unread upload with a reset, which destroys the answer before a client
  that writes its whole body first (httpx, curl) has read it;
* **counted, not traced**: every such close or refusal is counted, and the counts
  are logged in one line at most every ``report_seconds``.

The protocol is uvicorn's own ``H11Protocol``; only connection bookkeeping is added.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, cast

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

log = logging.getLogger(__name__)

#: Sent to a connection refused at the limit, before any of its request was read:
#: h11 cannot answer a request it has not seen, and this answer is always the same.
_REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: application/json\r\n"
    b"retry-after: 5\r\n"
    b"connection: close\r\n"
    b"content-length: 30\r\n"
    b"\r\n"
    b'{"error": "busy, send again"}\n'
)

#: What asyncio says when ``accept()`` fails with EMFILE/ENFILE/ENOBUFS/ENOMEM.
_ACCEPT_OUT_OF_RESOURCES = "socket.accept() out of system resource"

ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object]
"""What ``loop.set_exception_handler`` takes."""

#: Descriptors the rest of the process needs besides its connections (Kafka, logs).
_OTHER_DESCRIPTORS = 64


@dataclass(frozen=True)
class HttpLimits:
    """What one HTTP server lets its clients hold (documented in docs/configuration.md)."""

    header_timeout_seconds: float = 10.0
    max_connections: int = 1000
    keep_alive_seconds: int = 5
    linger_seconds: float = 2.0
    linger_bytes: int = 4 * 1024 * 1024
    backlog: int = 128
    report_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.header_timeout_seconds <= 0:
            raise ValueError("header_timeout_seconds must be positive")
        if self.max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if self.backlog < 1:
            raise ValueError("backlog must be at least 1")

    @property
    def descriptors_needed(self) -> int:
        # asyncio accepts up to ``backlog`` sockets per wake-up before their protocols
        # run, and may wake again before that: room for a few rounds beyond the limit.
        return self.max_connections + 4 * self.backlog + _OTHER_DESCRIPTORS


class DescriptorLimitError(RuntimeError):
    """The process may not open enough file descriptors for ``max_connections``."""


def ensure_descriptors(limits: HttpLimits) -> None:
    """Raise the soft RLIMIT_NOFILE as far as ``limits`` need (up to the hard limit),
    or raise :class:`DescriptorLimitError` naming the setting to change."""
    needed = limits.descriptors_needed
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard == resource.RLIM_INFINITY or hard >= needed:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
            return
        room = hard - (needed - limits.max_connections)
        advice = f"lower max_connections to at most {room} or " if room >= 1 else ""
        raise DescriptorLimitError(
            f"max_connections={limits.max_connections} needs {needed} file descriptors but "
            f"this process may open {hard}: {advice}raise the limit (ulimit -n) to {needed}"
        )


class ConnectionGuard:
    """The open connections of one server, oldest first, and the counts of what was closed."""

    def __init__(self, limits: HttpLimits, name: str) -> None:
        self.limits = limits
        self.name = name
        # Insertion-ordered: the first evictable entry is the oldest one.
        self.open: dict[GuardedH11Protocol, None] = {}
        self.counts: Counter[str] = Counter()
        self._report: asyncio.TimerHandle | None = None
        self._last_report = 0.0

    def admit(self, protocol: GuardedH11Protocol) -> bool:
        """Register a new connection, closing an idle one to make room at the limit;
        False when every open connection is busy with a request (refuse this one)."""
        if len(self.open) >= self.limits.max_connections:
            victim = next((c for c in self.open if c.evictable()), None)
            if victim is None:
                self.count("refused")
                return False
            victim.close_now()
            self.count("evicted")
        self.open[protocol] = None
        return True

    def forget(self, protocol: GuardedH11Protocol) -> None:
        self.open.pop(protocol, None)

    def count(self, what: str) -> None:
        """Count one close or refusal; a report follows within a second, then at most
        one every ``report_seconds``."""
        self.counts[what] += 1
        if self._report is None:
            loop = asyncio.get_running_loop()
            since = time.monotonic() - self._last_report
            delay = max(1.0, self.limits.report_seconds - since)
            self._report = loop.call_later(delay, self.report)

    def report(self) -> None:
        """Log the counts since the last report in one line, if there are any."""
        if self._report is not None:
            self._report.cancel()
            self._report = None
        self._last_report = time.monotonic()
        if not self.counts:
            return
        counts, self.counts = self.counts, Counter()
        log.warning(
            "%s connections: header_timeout=%d evicted_idle=%d refused_busy=%d "
            "accept_failed=%d open=%d (limits: header_timeout_seconds=%g "
            "max_connections=%d)",
            self.name,
            counts["header_timeout"],
            counts["evicted"],
            counts["refused"],
            counts["accept_failed"],
            len(self.open),
            self.limits.header_timeout_seconds,
            self.limits.max_connections,
        )

    def exception_handler(self, previous: ExceptionHandler | None) -> ExceptionHandler:
        """An event-loop exception handler that counts failed ``accept()`` calls
        (out of descriptors) instead of logging a traceback for each one."""

        def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            if context.get("message") == _ACCEPT_OUT_OF_RESOURCES:
                self.count("accept_failed")
            elif previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        return handle


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout, a place under the connection
    limit and a lingering close. Subclassed per server with its ``guard``."""

    guard: ClassVar[ConnectionGuard]

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_timer: asyncio.TimerHandle | None = None
        self._linger: _Lingering | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport: asyncio's, or uvloop's (which does not subclass it).
        transport = cast(asyncio.Transport, transport)
        if not self.guard.admit(self):
            transport.write(_REFUSED)
            transport.close()
            return
        super().connection_made(_LingeringTransport(transport, self))
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.forget(self)
        self._stop_header_timer()
        if self._linger is not None:
            self._linger.timer.cancel()
        if self.transport is not None:  # None when refused before uvicorn saw it
            super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._linger is not None:
            self._linger.drop(len(data))
            return
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE:
            # Half a request head (new, or after a keep-alive pause): it has until the
            # timer to complete it.
            if self._header_timer is None:
                self._start_header_timer()
        else:
            self._stop_header_timer()

    def evictable(self) -> bool:
        """Not serving a request: waiting for a head, idle between requests, lingering."""
        if self._linger is not None:
            return True
        return self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )

    def close_now(self) -> None:
        """Close without lingering (idle or hostile connections). It leaves the count
        at once: its descriptor is released before the next connection is accepted."""
        self.guard.forget(self)
        if isinstance(self.transport, _LingeringTransport):
            self.transport.inner.close()

    def linger(self, inner: asyncio.Transport) -> None:
        """Half-close after the answer, drop what the client still sends, close later."""
        self._stop_header_timer()
        self._unset_keepalive_if_required()
        inner.write_eof()  # the FIN goes out after the buffered answer
        inner.resume_reading()
        self._linger = _Lingering(inner, self.guard.limits, self.loop)

    def _start_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(
            self.guard.limits.header_timeout_seconds, self._header_timeout
        )

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.guard.count("header_timeout")
            self.close_now()


class _Lingering:
    """The rest of a connection the server has answered: dropped, then closed."""

    def __init__(
        self, inner: asyncio.Transport, limits: HttpLimits, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.inner = inner
        self.budget = limits.linger_bytes
        self.timer = loop.call_later(limits.linger_seconds, inner.close)

    def drop(self, size: int) -> None:
        self.budget -= size
        if self.budget < 0:
            self.timer.cancel()
            self.inner.close()


class _LingeringTransport(asyncio.Transport):
    """The socket's transport as uvicorn sees it: ``close()`` lingers when the client
    may still be sending its request; everything else passes through."""

    def __init__(self, inner: asyncio.Transport, protocol: GuardedH11Protocol) -> None:
        super().__init__()
        self.inner = inner
        self._protocol = protocol
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._protocol.conn.their_state in (h11.SEND_BODY, h11.ERROR):
            self._protocol.linger(self.inner)
        else:
            self.inner.close()

    def is_closing(self) -> bool:
        return self._closed or self.inner.is_closing()

    def write(self, data: bytes | bytearray | memoryview[Any]) -> None:
        self.inner.write(data)

    def writelines(self, list_of_data: Any) -> None:
        self.inner.writelines(list_of_data)

    def write_eof(self) -> None:
        self.inner.write_eof()

    def can_write_eof(self) -> bool:
        return self.inner.can_write_eof()

    def abort(self) -> None:
        self._closed = True
        self.inner.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def pause_reading(self) -> None:
        if not self._closed:
            self.inner.pause_reading()

    def resume_reading(self) -> None:
        if not self._closed:
            self.inner.resume_reading()

    def is_reading(self) -> bool:
        return self.inner.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.inner.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.inner.get_write_buffer_limits()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.inner.get_protocol()


def guarded_protocol(guard: ConnectionGuard) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection, bound to ``guard``."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"guard": guard})
