"""A lean HTTP/1.1 client and an open-loop load generator on loopback.

Why not httpx: on two shared cores a load generator must cost far less than the
server it measures, or it measures itself. This client writes pre-rendered requests
on keep-alive connections and reads answers by ``Content-Length``; nothing more.

Open loop: request *i* is due at ``start + i / rate`` whether or not earlier answers
came back, and its latency is counted from that due time. A server that stalls
therefore shows the wait of every request queued behind the stall (no coordinated
omission), the way a partner's ERP sending at its own pace would feel it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.IGNORECASE)


def render_post(host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """The bytes of one POST request, rendered once before the clock starts."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Sample:
    """One request: when it was due, when its answer was complete, and the status."""

    due: float
    done: float = 0.0
    status: int = 0  # 0: no answer (connection error or time-out)

    @property
    def latency(self) -> float:
        return self.done - self.due


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.usable = True

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # A real client sends each request at once (httpx and curl do the same).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = _CONTENT_LENGTH.search(head)
        if length is not None and int(length.group(1)):
            await self.reader.readexactly(int(length.group(1)))
        if _CLOSE.search(head):
            self.usable = False
        return int(head[9:12])

    def close(self) -> None:
        self.usable = False
        self.writer.close()


class _Pool:
    """At most ``size`` keep-alive connections; a request waits for a free one."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._host, self._port, self._size = host, port, size
        self._idle: asyncio.Queue[_Connection] = asyncio.Queue()
        self._opened = 0

    async def acquire(self) -> _Connection:
        if self._idle.empty() and self._opened < self._size:
            self._opened += 1
            try:
                return await _Connection.open(self._host, self._port)
            except OSError:
                self._opened -= 1
                raise
        return await self._idle.get()

    def release(self, connection: _Connection) -> None:
        if connection.usable:
            self._idle.put_nowait(connection)
        else:
            connection.close()
            self._opened -= 1

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()


async def open_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    rate: float,
    *,
    connections: int = 64,
    timeout: float = 30.0,  # noqa: ASYNC109 - bounds the answers, not the call
) -> list[Sample]:
    """Send ``requests`` at ``rate`` per second; every sample, answered or not.

    Bounded: it sends exactly ``len(requests)`` requests and gives up on answers
    ``timeout`` seconds after the last one was due (those keep status 0).
    """
    pool = _Pool(host, port, connections)
    samples = [Sample(due=0.0) for _ in requests]

    async def one(index: int) -> None:
        sample = samples[index]
        connection: _Connection | None = None
        try:
            connection = await pool.acquire()
            sample.status = await connection.exchange(requests[index])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            if connection is not None:
                connection.usable = False
        finally:
            sample.done = time.monotonic()
            if connection is not None:
                pool.release(connection)

    tasks: list[asyncio.Task[None]] = []
    start = time.monotonic() + 0.02
    sent = 0
    while sent < len(requests):
        now = time.monotonic()
        due_now = min(len(requests), int((now - start) * rate) + 1) if now >= start else 0
        while sent < due_now:
            samples[sent].due = start + sent / rate
            tasks.append(asyncio.create_task(one(sent)))
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - time.monotonic()))
    _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for sample in samples:
        if sample.status == 0 and sample.done == 0.0:
            sample.done = time.monotonic()
    pool.close()
    return samples


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (``nan`` when there are none)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, int(fraction * len(sorted_values) + 0.999999) - 1))
    return sorted_values[rank]
