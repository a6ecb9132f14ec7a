"""The one HTTP client: proxies from the environment, and failed calls as our faults."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from kit.delivery.errors import DestinationTimeout, DestinationUnreachable
from kit.delivery.http_calls import HttpClient

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"


class _Server:
    """A loopback server that notes each request line; answers 200, or never."""

    def __init__(self, *, answer: bool) -> None:
        self.request_lines: list[bytes] = []
        self._answer = answer
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.request_lines.append(head.split(b"\r\n", 1)[0])
        if self._answer:
            writer.write(ANSWER)
            await writer.drain()
        else:
            await reader.read()  # hold the connection until the client gives up
        writer.close()


async def _serve(server: _Server) -> AsyncIterator[_Server]:
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield server


@pytest.fixture
async def answering() -> AsyncIterator[_Server]:
    async for server in _serve(_Server(answer=True)):
        yield server


@pytest.fixture
async def silent() -> AsyncIterator[_Server]:
    async for server in _serve(_Server(answer=False)):
        yield server


async def test_a_proxy_from_the_environment_is_used_unless_no_proxy_exempts_the_host(
    answering: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{answering.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = HttpClient("http://vera.corporatie.example/v4", timeout_seconds=5)
    try:
        answer = await proxied.request("GET", "/onderhoudsorders/WL-1")
    finally:
        await proxied.aclose()
    assert answer.status == 200
    # Through the proxy: the request line names the whole URL.
    assert answering.request_lines == [
        b"GET http://vera.corporatie.example/v4/onderhoudsorders/WL-1 HTTP/1.1"
    ]

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = HttpClient(f"http://127.0.0.1:{answering.port}/v4", timeout_seconds=5)
    try:
        assert (await direct.request("GET", "/x", params={"a": "1"})).status == 200
    finally:
        await direct.aclose()
    assert answering.request_lines[-1] == b"GET /v4/x?a=1 HTTP/1.1"


async def test_no_answer_in_time_is_a_timeout_fault(silent: _Server) -> None:
    client = HttpClient(f"http://127.0.0.1:{silent.port}", timeout_seconds=0.3)
    try:
        with pytest.raises(DestinationTimeout, match=r"^PATCH /o/1: no answer in time$"):
            await client.request("PATCH", "/o/1", content=b"{}")
    finally:
        await client.aclose()
    assert silent.request_lines == [b"PATCH /o/1 HTTP/1.1"]


async def test_a_refused_connection_is_an_unreachable_fault() -> None:
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    client = HttpClient(f"http://127.0.0.1:{port}", timeout_seconds=5)
    try:
        with pytest.raises(DestinationUnreachable, match=r"^POST /o: ClientConnectorError$"):
            await client.request("POST", "/o", content=b"{}")
    finally:
        await client.aclose()
