"""Serving the simulators inside the caller's event loop, on loopback, for tests and the demo.

async with PartnerSimulators() as sims:
    sims.roerdal_url   # http://127.0.0.1:<port>/roerdal
    sims.maasdal_url   # http://127.0.0.1:<port>/maasdal
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from starlette.applications import Starlette
from starlette.routing import Mount

from connectors.channels.http_server import EmbeddedHttpServer
from devkit.partner_simulators._maasdal import MaasdalSimulator, create_maasdal_app
from devkit.partner_simulators._roerdal import RoerdalSimulator, create_roerdal_app


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
        self._http = EmbeddedHttpServer(
            create_app(self.roerdal, self.maasdal), host=host, port=port, graceful_seconds=1
        )

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def roerdal_url(self) -> str:
        return f"{self.base_url}/roerdal"

    @property
    def maasdal_url(self) -> str:
        return f"{self.base_url}/maasdal"

    async def start(self) -> None:
        await self._http.start()

    async def stop(self) -> None:
        await self._http.stop()

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
