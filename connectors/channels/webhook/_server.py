"""Run a webhook app with uvicorn inside the caller's event loop.

Tests and the demo need a real HTTP server next to their own Kafka clients in one
loop, on loopback, on a free port they learn afterwards. The socket is bound here
(port 0 asks the OS for a free one), so the port is known before uvicorn starts and
no other process can take it in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the process's signal handlers to its owner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class WebhookServer:
    """``async with WebhookServer(app) as server:`` serves ``app`` at ``server.base_url``.

    Leaving the block stops accepting connections, lets requests in flight finish
    (up to ``graceful_seconds``) and returns once the server is down.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        graceful_seconds: float = 5.0,
        startup_seconds: float = 10.0,
    ) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self._graceful_seconds = graceful_seconds
        self._startup_seconds = startup_seconds
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def __aenter__(self) -> WebhookServer:
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
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only
        # when the listening socket says TCP; without it every answer waited ~40 ms for
        # the client's delayed ACK (measured in docs/performance.md).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            lifespan="off",  # the caller owns the writer's lifecycle
            log_config=None,  # keep the application's logging setup
            access_log=False,  # the app logs each outcome without personal data
            server_header=False,
            timeout_graceful_shutdown=int(self._graceful_seconds),
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(self._startup_seconds):
            while not self._server.started:
                if self._task.done():
                    await self._task  # raises what made uvicorn stop
                    raise RuntimeError("the webhook server stopped while starting")
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop gracefully; idempotent."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._server = None
        self._task = None
