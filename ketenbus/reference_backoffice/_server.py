"""Running the back office inside the caller's event loop, for tests and the demo.

The server listens on a socket bound before uvicorn starts, so port 0 gives a free
port that is known at once, and a client that connects early waits in the
listen backlog instead of being refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn

from ._app import create_app
from ._spec import SYSTEMS
from ._state import BackOfficeState, Received

__all__ = ["BackOfficeServer"]

_STARTUP_TIMEOUT = 10.0


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl+C belongs to the host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class BackOfficeServer:
    """The reference back office on ``127.0.0.1`` as a background task of the current loop.

    ``async with BackOfficeServer(spec_dir, api_keys) as server:`` starts it and
    stops it; ``server.state`` is the live state (the same object the app uses).
    """

    def __init__(
        self,
        spec_dir: Path | None,
        api_keys: Mapping[str, str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state: BackOfficeState | None = None,
    ) -> None:
        self.state = state if state is not None else BackOfficeState()
        self.app = create_app(spec_dir, api_keys, state=self.state)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the back office is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self._host}:{self.port}"

    def url_for(self, system: str) -> str:
        """The base URL of one system, e.g. ``http://127.0.0.1:54321/onderhoud``."""
        if system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; known: {', '.join(SYSTEMS)}")
        return f"{self.base_url}/{system}"

    async def wait_for_received(
        self,
        count: int,
        system: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the agreed API shape for other tests
    ) -> list[Received]:
        """Wait until at least ``count`` effects were accepted; see :class:`BackOfficeState`."""
        return await self.state.wait_for_received(count, system=system, timeout=timeout)

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("the back office is already running")
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only
        # when the listening socket says TCP, and without it each answer waits ~40 ms
        # for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._requested_port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(_STARTUP_TIMEOUT):
            # Start-up only: uvicorn has no event for "serving", just this flag.
            while not self._server.started:
                if self._task.done():
                    self._task.result()
                    raise RuntimeError("the back office stopped while starting")
                await asyncio.sleep(0.005)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            await self._task
        finally:
            self._server = None
            self._task = None
            self._port = None

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
