"""A base_url validated as an http(s) URL still reaches the same paths: the VERA client,
Maasdal's order API and Roerdal's poller, against a real server on loopback that
records every path it is asked for.

pydantic writes ``http://host`` as ``http://host/``; each client strips the trailing
slash before httpx joins its paths, so with or without a slash and with or without a
path prefix the requests are the ones the plain strings gave.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.channels.http_server import EmbeddedHttpServer
from connectors.maasdal import build_outbound
from connectors.outbound import workorder_event
from connectors.roerdal import RoerdalFeed
from ketenbus.config import KetenbusSettings
from router.vera_client import VeraCall, VeraClient
from tests.connectors.outbound.samples import PARTNERS, workorder

ANSWER = {"access_token": "t", "expires_in": 3600, "mutaties": [], "cursor": "c1", "meer": False}


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.app = Starlette(
            routes=[Route("/{path:path}", self._answer, methods=["GET", "POST", "PUT"])]
        )

    async def _answer(self, request: Request) -> JSONResponse:
        self.calls.append(f"{request.method} {request.url.path}")
        return JSONResponse(ANSWER)


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    async with EmbeddedHttpServer(recorder.app) as server:
        yield recorder, server.base_url


# (what follows the server's address in base_url, the prefix the requests get)
FORMS = [("/systeem", "/systeem"), ("/systeem/", "/systeem"), ("", ""), ("/", "")]


@pytest.mark.parametrize(("suffix", "prefix"), FORMS)
async def test_the_vera_client_joins_its_paths_onto_base_url(recorder, suffix, prefix) -> None:
    server, address = recorder
    settings = KetenbusSettings(
        destinations={"onderhoud": {"base_url": address + suffix, "api_key": "k"}}
    ).destinations["onderhoud"]
    client = VeraClient(settings, sender="ketenbus")
    try:
        await client.send(VeraCall("POST", "/onderhoudsorders/WO-1/status", {}), reference="r")
    finally:
        await client.aclose()
    assert server.calls == [f"POST {prefix}/onderhoudsorders/WO-1/status"]


@pytest.mark.parametrize(("suffix", "prefix"), FORMS)
async def test_maasdal_orders_are_posted_under_base_url(recorder, suffix, prefix) -> None:
    server, address = recorder
    settings = KetenbusSettings(
        partners={"maasdal": {"api_base_url": address + suffix, "api_token": "t"}}
    ).partners["maasdal"]
    channel = build_outbound(settings)
    assert channel is not None
    try:
        await channel.deliver(workorder_event(workorder("WL-2026-004800"), partners=PARTNERS))
    finally:
        await channel.aclose()
    assert server.calls == [f"POST {prefix}/api/v2/opdrachten"]


@pytest.mark.parametrize(("suffix", "prefix"), FORMS)
async def test_roerdal_is_polled_under_base_url(recorder, suffix, prefix) -> None:
    server, address = recorder
    settings = KetenbusSettings(
        partners={
            "roerdal": {"api_base_url": address + suffix, "client_id": "c", "client_secret": "s"}
        }
    ).partners["roerdal"]
    feed = RoerdalFeed(settings)
    try:
        await feed.fetch(None)
    finally:
        await feed.aclose()
    assert server.calls == [f"POST {prefix}/oauth/token", f"GET {prefix}/api/v1/mutaties"]
