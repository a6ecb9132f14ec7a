"""Running the back office inside the caller's event loop, for tests and the demo.

It is served by ``connectors.channels.http_server.EmbeddedHttpServer``: port 0 gives a
free port that is known at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from connectors.channels.http_server import EmbeddedHttpServer

from ._app import create_app
from ._spec import SYSTEMS
from ._state import BackOfficeState, Received

__all__ = ["BackOfficeServer"]


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
        self._http = EmbeddedHttpServer(self.app, host=host, port=port, graceful_seconds=1)

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return self._http.base_url

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
