"""What the webhook answers before (or instead of) reading a body, over raw loopback sockets.

httpx cannot send half a body, both framing headers, or write a whole body before
it reads; these tests do, the way a broken client or an attacker would. The server
is the real uvicorn (with ``channels.http_guard``) and the writer the real Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import httpx
import orjson
import pytest

from connectors.channels import RawWriter
from connectors.channels.http_guard import HttpLimits
from connectors.channels.webhook import WebhookLimits, WebhookServer, create_webhook_app, sign
from connectors.channels.webhook._budget import BodyBudget
from contracts.kafka import KafkaSettings
from tests.connectors.channels.conftest import (
    MAASDAL,
    NOW,
    SECRET,
    SIGNATURE_HEADER,
    Serve,
    read_all,
)
from tests.kafka_helpers import eventually

pytestmark = pytest.mark.kafka

URL = "/partners/maasdal/messages"
LIMIT = 1_048_576
#: An answer that needs the body would take this long (the client waits that long
#: before it sends the rest); an answer from the head comes at once.
HOLD_SECONDS = 5.0


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


async def exchange(
    client: httpx.AsyncClient,
    head: str,
    first: bytes = b"",
    rest: bytes = b"",
    *,
    hold: float = 0.0,
) -> Answer:
    """Send ``head`` and ``first``, wait ``hold`` seconds (unless the answer comes),
    send ``rest``, and read the answer to the end of the connection."""
    host, port = client.base_url.host, client.base_url.port
    reader, writer = await asyncio.open_connection(host, port)
    started = time.monotonic()
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + first)
        await writer.drain()
        answer = asyncio.create_task(reader.read())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(answer), hold)
        if not answer.done() and rest:
            writer.write(rest)
            await writer.drain()
        async with asyncio.timeout(30):
            data = await answer
        seconds = time.monotonic() - started
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    status_line, _, remainder = data.partition(b"\r\n")
    header_block, _, body = remainder.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.decode().split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, body, seconds)


def post_head(host: str, *lines: str) -> str:
    return "\n".join([f"POST {URL} HTTP/1.1", f"Host: {host}", *lines]) + "\n"


def json_type() -> str:
    return "Content-Type: application/json"


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (f"t=1,v1={'a' * 64}", "signature expired"),
        ("t=1790022400,v1=nothex", "signature malformed"),
        (None, "signature missing"),
    ],
    ids=["stale-t=1", "malformed", "missing"],
)
async def test_a_bad_signature_header_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient, kafka: KafkaSettings, signature: str | None, reason: str
) -> None:
    """The client sends 64 KiB of a 1 MiB body and then waits: the 401 comes anyway."""
    lines = [json_type(), f"Content-Length: {LIMIT}"]
    if signature is not None:
        lines.append(f"{SIGNATURE_HEADER}: {signature}")
    answer = await exchange(
        client,
        post_head(client.base_url.host, *lines),
        b"x" * 65_536,
        b"x" * (LIMIT - 65_536),
        hold=HOLD_SECONDS,
    )

    assert answer.status == 401
    assert orjson.loads(answer.body) == {"error": reason}
    assert answer.seconds < HOLD_SECONDS / 2, "the answer waited for the body"
    assert answer.headers["connection"] == "close"
    assert await read_all(kafka, kafka.topics.raw("maasdal")) == []


async def test_content_length_over_the_limit_gets_the_413_even_if_the_client_sends_it_all(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    """A client that writes its whole 2 MiB body before reading (curl, httpx) used to
    get a connection reset: the server closed with unread input."""
    body = b"x" * (2 * LIMIT)
    head = post_head(
        client.base_url.host,
        json_type(),
        f"Content-Length: {len(body)}",
        f"{SIGNATURE_HEADER}: {sign(body, SECRET, NOW)}",
    )

    answer = await exchange(client, head, body)

    assert answer.status == 413
    assert orjson.loads(answer.body) == {"error": "body too large", "limit": LIMIT}
    assert answer.headers["connection"] == "close"
    assert await read_all(kafka, kafka.topics.raw("maasdal")) == []


async def test_content_length_and_chunked_together_is_400_at_once(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    """Ambiguous framing (request smuggling): refused at once, not left to hang while
    the chunked parser waits for a chunk size the plain body never sends."""
    body = b'{"opdrachtnummer": "WO-2026-0042"}'
    head = post_head(
        client.base_url.host,
        json_type(),
        f"Content-Length: {len(body)}",
        "Transfer-Encoding: chunked",
        f"{SIGNATURE_HEADER}: {sign(body, SECRET, NOW)}",
    )

    answer = await exchange(client, head, body)

    assert answer.status == 400
    assert orjson.loads(answer.body) == {"error": "both content-length and transfer-encoding"}
    assert answer.seconds < 2
    assert await read_all(kafka, kafka.topics.raw("maasdal")) == []


async def test_a_media_type_the_partner_does_not_send_is_415(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    body = b"<bericht/>"
    response = await client.post(
        URL,
        content=body,
        headers={"Content-Type": "application/xml", SIGNATURE_HEADER: sign(body, SECRET, NOW)},
    )

    assert response.status_code == 415
    assert response.json() == {
        "error": "unsupported content type",
        "accepted": ["application/json"],
    }
    assert await read_all(kafka, kafka.topics.raw("maasdal")) == []


async def test_bodies_in_flight_share_a_memory_budget(
    writer: RawWriter, kafka: KafkaSettings
) -> None:
    """With room for one 1 MiB body, a second one is answered 503 before it is read;
    once the first is stored, the next fits again."""
    app = create_webhook_app(
        {"maasdal": MAASDAL},
        writer,
        clock=lambda: NOW,
        limits=WebhookLimits(body_bytes_in_flight=LIMIT + 1024),
    )
    async with (
        WebhookServer(app) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=20) as client,
    ):
        await _one_body_at_a_time(client, app.state.body_budget, kafka)


async def _one_body_at_a_time(
    client: httpx.AsyncClient, budget: BodyBudget, kafka: KafkaSettings
) -> None:
    first = orjson.dumps({"opdrachtnummer": "WO-1", "pad": "x" * (LIMIT - 100)})
    second = orjson.dumps({"opdrachtnummer": "WO-2", "pad": "y" * (LIMIT - 100)})

    def head(body: bytes) -> str:
        return post_head(
            client.base_url.host,
            json_type(),
            f"Content-Length: {len(body)}",
            f"{SIGNATURE_HEADER}: {sign(body, SECRET, NOW)}",
        )

    # The first holds its share: half its body is sent, the rest after HOLD_SECONDS.
    slow = asyncio.create_task(
        exchange(client, head(first), first[: len(first) // 2], first[len(first) // 2 :], hold=3)
    )
    await eventually(lambda: budget.held > 0, within=5, what="the first body's share taken")
    busy = await exchange(client, head(second), second)
    stored = await slow
    again = await client.post(
        URL, content=second, headers={"Content-Type": "application/json", **sign_header(second)}
    )

    assert busy.status == 503
    assert orjson.loads(busy.body) == {"error": "busy, send again"}
    assert busy.headers["retry-after"] == "5"
    assert busy.seconds < 2
    assert stored.status == 202
    assert again.status_code == 202
    records = await read_all(kafka, kafka.topics.raw("maasdal"))
    assert sorted(r.value for r in records) == sorted([first, second])


async def test_a_body_that_does_not_arrive_in_time_is_408(
    writer: RawWriter, serve: Serve, kafka: KafkaSettings
) -> None:
    client = await serve(writer, limits=WebhookLimits(body_timeout_seconds=1.0))
    body = b'{"opdrachtnummer": "WO-2026-0042"}'
    head = post_head(
        client.base_url.host,
        json_type(),
        f"Content-Length: {len(body)}",
        f"{SIGNATURE_HEADER}: {sign(body, SECRET, NOW)}",
    )

    answer = await exchange(client, head, body[:10], body[10:], hold=HOLD_SECONDS)

    assert answer.status == 408
    assert orjson.loads(answer.body) == {"error": "body not received in time"}
    assert 1.0 <= answer.seconds < HOLD_SECONDS
    assert await read_all(kafka, kafka.topics.raw("maasdal")) == []


def sign_header(body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(body, SECRET, NOW)}


async def test_at_the_limit_with_every_connection_busy_a_new_one_is_refused_503(
    writer: RawWriter, kafka: KafkaSettings
) -> None:
    """Two connections that are serving requests cannot be made room for: the third is
    told 503 at once (before any of its request is read); once they are done, it fits."""
    app = create_webhook_app({"maasdal": MAASDAL}, writer, clock=lambda: NOW)
    async with (
        WebhookServer(app, limits=HttpLimits(max_connections=2)) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=20) as client,
    ):
        await _two_busy_then_a_third(client, app.state.body_budget, kafka)


async def _two_busy_then_a_third(
    client: httpx.AsyncClient, budget: BodyBudget, kafka: KafkaSettings
) -> None:
    bodies = [orjson.dumps({"opdrachtnummer": f"WO-{i}", "pad": "p" * 1000}) for i in range(3)]

    def head(body: bytes) -> str:
        return post_head(
            client.base_url.host,
            json_type(),
            f"Content-Length: {len(body)}",
            f"{SIGNATURE_HEADER}: {sign(body, SECRET, NOW)}",
        )

    busy = [
        asyncio.create_task(exchange(client, head(b), b[:100], b[100:], hold=3)) for b in bodies[:2]
    ]
    both = len(bodies[0]) + len(bodies[1])
    await eventually(lambda: budget.held == both, within=5, what="both heads in")
    reader, third = await asyncio.open_connection(client.base_url.host, client.base_url.port)
    async with asyncio.timeout(2):
        refused = await reader.read()
    third.close()
    stored = await asyncio.gather(*busy)
    after = await client.post(
        URL,
        content=bodies[2],
        headers={"Content-Type": "application/json", **sign_header(bodies[2])},
    )

    assert refused.startswith(b"HTTP/1.1 503 ")
    assert b"retry-after: 5\r\n" in refused
    assert refused.endswith(b'{"error": "busy, send again"}\n')
    assert [a.status for a in stored] == [202, 202]
    assert after.status_code == 202
    assert len(await read_all(kafka, kafka.topics.raw("maasdal"))) == 3
