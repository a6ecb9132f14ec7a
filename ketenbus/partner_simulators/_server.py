"""Serving the simulators inside the caller's event loop, on loopback, for tests and the demo.

async with PartnerSimulators() as sims:
    sims.roerdal_url   # http://127.0.0.1:<port>/roerdal
    sims.maasdal_url   # http://127.0.0.1:<port>/maasdal
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from ketenbus.partner_simulators._maasdal import MaasdalSimulator, create_maasdal_app
from ketenbus.partner_simulators._roerdal import RoerdalSimulator, create_roerdal_app


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl+C belongs to the host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def create_app(roerdal: RoerdalSimulator, maasdal: MaasdalSimulator) -> Starlette:
    """Both partners' APIs under ``/roerdal`` and ``/maasdal``."""
    return Starlette(
        routes=[
            Mount("/roerdal", app=create_roerdal_app(roerdal)),
            Mount("/maasdal", app=create_maasdal_app(maasdal)),
        ]
    )


class PartnerSimulators:
    """The partner simulators on ``127.0.0.1`` as a background task of the current loop."""

    def __init__(
        self,
        roerdal: RoerdalSimulator | None = None,
        maasdal: MaasdalSimulator | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.roerdal = roerdal or RoerdalSimulator()
        self.maasdal = maasdal or MaasdalSimulator()
        self._host = host
        self._requested_port = port
        self.port = 0
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def roerdal_url(self) -> str:
        return f"{self.base_url}/roerdal"

    @property
    def maasdal_url(self) -> str:
        return f"{self.base_url}/maasdal"

    async def start(self) -> None:
        # IPPROTO_TCP explicitly, so asyncio sets TCP_NODELAY on accepted connections
        # (without it every answer waits ~40 ms for a delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.roerdal, self.maasdal),
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        async with asyncio.timeout(10):
            while not self._server.started:  # uvicorn offers only this flag
                if self._task.done():
                    self._task.result()
                    raise RuntimeError("the partner simulators stopped while starting")
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
