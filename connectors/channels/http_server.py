"""An ASGI app served by uvicorn inside the caller's event loop, on a port known at once.

The webhook ingress runs this in production (``ketenbus webhook``); the tests and the
demo run the VERA reference back office and the partner simulators the same way,
next to their own Kafka clients in one loop. The socket is bound and listening before
uvicorn starts (port 0 asks the OS for a free one), so the port is known before the
first request and a client that connects early waits in the backlog instead of being
refused. What one client may hold (header timeout, connection limit, lingering close)
is bounded by ``HttpLimits`` (``channels.http_guard``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp

from connectors.channels.http_guard import (
    ConnectionGuard,
    ExceptionHandler,
    HttpLimits,
    ensure_descriptors,
    guarded_protocol,
)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: SIGINT and SIGTERM belong to the host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class EmbeddedHttpServer:
    """``async with EmbeddedHttpServer(app) as server:`` serves ``app`` at ``server.base_url``.

    Leaving the block stops accepting connections, lets requests in flight finish (up
    to ``graceful_seconds``) and returns once the server is down.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        graceful_seconds: float = 5.0,
        startup_seconds: float = 10.0,
        limits: HttpLimits | None = None,
        name: str = "http",
    ) -> None:
        self.app = app
        self.limits = limits or HttpLimits()
        self._name = name
        self._host = host
        self._requested_port = port
        self._graceful_seconds = graceful_seconds
        self._startup_seconds = startup_seconds
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._port: int | None = None
        self._guard: ConnectionGuard | None = None
        self._previous_handler: ExceptionHandler | None = None
        self._handler: ExceptionHandler | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Bind, start serving, and return once uvicorn accepts connections."""
        if self._task is not None:
            raise RuntimeError("the server is already running")
        ensure_descriptors(self.limits)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only
        # when the listening socket says TCP; without it every answer waited ~40 ms for
        # the client's delayed ACK (measured in docs/performance.md).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._requested_port))
            sock.listen(self.limits.backlog)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        self._guard = ConnectionGuard(self.limits, self._name)
        loop = asyncio.get_running_loop()
        self._previous_handler = loop.get_exception_handler()
        self._handler = self._guard.exception_handler(self._previous_handler)
        loop.set_exception_handler(self._handler)
        config = uvicorn.Config(
            self.app,
            http=guarded_protocol(self._guard),
            # uvicorn re-listens with its backlog, and asyncio accepts up to that many
            # sockets per wake-up: the same small number keeps the burst bounded.
            backlog=self.limits.backlog,
            timeout_keep_alive=self.limits.keep_alive_seconds,
            lifespan="off",  # the owner starts and stops what the app uses
            log_config=None,  # keep the application's logging setup
            access_log=False,  # apps log their outcomes without personal data
            server_header=False,
            timeout_graceful_shutdown=max(1, int(self._graceful_seconds)),
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(self._startup_seconds):
            # Start-up only: uvicorn has no event for "serving", just this flag.
            while not self._server.started:
                if self._task.done():
                    self._task.result()  # raises what made uvicorn stop
                    raise RuntimeError("the server stopped while starting")
                await asyncio.sleep(0.005)

    async def stop(self) -> None:
        """Stop gracefully; idempotent."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await self._task
        finally:
            if self._guard is not None:
                self._guard.report()
                loop = asyncio.get_running_loop()
                # Only ours: servers in one loop may stop in another order than they started.
                if loop.get_exception_handler() is self._handler:
                    loop.set_exception_handler(self._previous_handler)
                self._guard = None
            self._server = None
            self._task = None
            self._port = None
