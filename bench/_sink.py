"""A minimal, fast HTTP sink standing in for the corporation's VERA systems.

Why not the reference back office: it validates every body against the VERA OpenAPI
schemas and keeps idempotency state, which is right for the tests and the demo but
costs milliseconds per call, so a delivery benchmark against it would measure the
stand-in. This sink answers every request ``200 {}`` at once and notes when each
``X-Stuurgegevens-Referentienummer`` arrived (``time.monotonic()``, the machine-wide
clock, so another process on the same machine can compare its own times).

Run as its own process (``python -m bench._sink``), so it never competes for the
measured process's interpreter; it prints its port on the first line of stdout.
Control: ``GET /_count``, ``GET /_received`` (``{reference: monotonic seconds}``),
``GET /_requests`` (with ``--keep``: every request as [method, path, reference,
latin-1 body], so a bare client can replay exactly what ketenbus sent),
``POST /_reset``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import time

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
_REFERENCE = b"x-stuurgegevens-referentienummer:"


class _State:
    def __init__(self, keep: bool) -> None:
        self.received: dict[str, float] = {}
        self.requests = 0
        self.connections = 0
        self.keep = keep
        self.kept: list[tuple[str, str, str, str]] = []


class _Http(asyncio.Protocol):
    def __init__(self, state: _State) -> None:
        self._state = state
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._state.connections += 1
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buffer[:end]).lower()
            length = 0
            marker = head.find(b"\r\ncontent-length:")
            if marker >= 0:
                line_end = head.find(b"\r\n", marker + 2)
                length = int(head[marker + 17 : line_end if line_end >= 0 else None])
            total = end + 4 + length
            if len(self._buffer) < total:
                return
            body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            self._handle(head, body)

    def _handle(self, head: bytes, body: bytes) -> None:
        assert self._transport is not None
        now = time.monotonic()
        request_line = head.split(b"\r\n", 1)[0]
        path = request_line.split(b" ")[1] if b" " in request_line else b"/"
        if path.startswith(b"/_"):
            self._transport.write(self._control(request_line, path))
            return
        self._state.requests += 1
        marker = head.find(_REFERENCE)
        if marker >= 0:
            line_end = head.find(b"\r\n", marker)
            value = head[marker + len(_REFERENCE) : line_end if line_end >= 0 else None]
            # The first arrival counts: a retried call must not hide the first one.
            reference = value.strip().decode()
            # The first arrival counts: a retried call must not hide the first one.
            self._state.received.setdefault(reference, now)
            if self._state.keep:
                method = request_line.split(b" ", 1)[0].upper().decode()
                self._state.kept.append((method, path.decode(), reference, body.decode("latin-1")))
        self._transport.write(_ANSWER)

    def _control(self, request_line: bytes, path: bytes) -> bytes:
        if path == b"/_reset":
            self._state.received.clear()
            self._state.kept.clear()
            self._state.requests = 0
            self._state.connections = 0
            body = b"{}"
        elif path == b"/_requests":
            body = json.dumps(self._state.kept).encode()
        elif path == b"/_received":
            body = json.dumps(self._state.received).encode()
        else:
            body = json.dumps(
                {
                    "count": len(self._state.received),
                    "requests": self._state.requests,
                    "connections": self._state.connections,
                }
            ).encode()
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )


async def serve(host: str, port: int, keep: bool) -> None:
    state = _State(keep)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(state), host, port)
    print(server.sockets[0].getsockname()[1], flush=True)
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with server:
        await stopping.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep every request for /_requests")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.keep))


if __name__ == "__main__":
    main()
