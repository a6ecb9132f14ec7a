"""The webhook ingress channel: partners POST their messages, ketenbus stores them.

One request is one partner message. It is authenticated (HMAC signature), stored as
a raw record on ``keten.raw.<partner>``, and only after Kafka acknowledged the record
does the partner get a 2xx, which it reads as "stored for good". Every other answer
makes the partner send the message again, so nothing is ever acknowledged and lost.

The channel does not deduplicate: a partner that re-sends after a time-out produces
a second raw record, and the translator's deterministic event ids absorb it.

Log lines carry the partner id, the outcome, sizes and the request id only: bodies
contain tenants' names and special-category signals, which never go to a log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.channels.errors import BodyTooLarge, RawStoreError, SignatureError
from connectors.channels.raw_writer import RawWriter
from connectors.channels.webhook._partner import WebhookPartner
from connectors.channels.webhook._signature import verify_signature
from contracts.raw import RawMessage

log = logging.getLogger(__name__)

CHANNEL = "webhook"
RETRY_AFTER_SECONDS = 5
REQUEST_ID_HEADER = "X-Request-Id"

_DIGITS = re.compile(r"[0-9]{1,18}")
# W3C trace context, version 00; anything else is dropped rather than propagated.
_TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def create_webhook_app(
    partners: Mapping[str, WebhookPartner],
    writer: RawWriter,
    *,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The ASGI app serving ``POST /partners/{partner}/messages`` and ``GET /health``.

    ``partners`` maps a partner id to its configuration; ``writer`` must be started
    (or able to connect) by the caller, who owns its lifecycle. ``clock`` gives unix
    seconds and exists so tests can move time for the replay window.
    """
    for partner_id, partner in partners.items():
        if partner_id != partner.partner_id:
            raise ValueError(f"partner {partner.partner_id} is configured under {partner_id!r}")
    receiver = _Receiver(dict(partners), writer, clock)
    return Starlette(
        routes=[
            Route("/partners/{partner}/messages", receiver.receive, methods=["POST"]),
            Route("/health", _health(writer), methods=["GET"]),
        ]
    )


def _health(writer: RawWriter) -> Callable[[Request], Awaitable[Response]]:
    """200 while messages can be stored; 503 with the reason while the writer cannot
    write (Kafka away, or not yet reached at start), so a load balancer sends partners
    to an instance that can store their messages."""

    async def health(request: Request) -> Response:
        problem = writer.problem
        if problem is None:
            return JSONResponse({"status": "ok"})
        return JSONResponse(
            {"status": "unavailable", "reason": problem},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    return health


class _Receiver:
    """Handles one partner message from request to answer."""

    def __init__(
        self,
        partners: dict[str, WebhookPartner],
        writer: RawWriter,
        clock: Callable[[], float],
    ) -> None:
        self._partners = partners
        self._writer = writer
        self._clock = clock

    async def receive(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        partner = self._partners.get(request.path_params["partner"])
        if partner is None:
            log.info("webhook outcome=unknown_partner request_id=%s", request_id)
            return _answer(404, {"error": "unknown partner"}, request_id)
        pid = partner.partner_id

        try:
            body = await _read_body(request, partner.max_body_bytes)
        except BodyTooLarge as exc:
            log.info("webhook partner=%s outcome=too_large request_id=%s", pid, request_id)
            # Connection: close makes the server drop the rest of the upload
            # instead of draining it to reuse the connection.
            return _answer(
                413,
                {"error": "body too large", "limit": exc.limit},
                request_id,
                headers={"Connection": "close"},
            )
        except _BadContentLength:
            log.info("webhook partner=%s outcome=bad_length request_id=%s", pid, request_id)
            return _answer(400, {"error": "invalid content-length"}, request_id)
        except ClientDisconnect:
            log.info("webhook partner=%s outcome=disconnected request_id=%s", pid, request_id)
            return Response(status_code=400)  # nobody is listening any more

        now = self._clock()
        try:
            verify_signature(
                request.headers.get(partner.signature_header), body, partner.secrets, now=now
            )
        except SignatureError as exc:
            log.warning(
                "webhook partner=%s outcome=refused reason=%r bytes=%d request_id=%s",
                pid,
                exc.reason,
                len(body),
                request_id,
            )
            return _answer(401, {"error": exc.reason}, request_id)

        message = RawMessage(
            partner=pid,
            channel=CHANNEL,
            body=body,
            received_at=datetime.fromtimestamp(now, tz=UTC),
            content_type=request.headers.get("content-type", "application/octet-stream"),
            origin=request_id,
            key=_message_key(partner, body, request_id),
            traceparent=_traceparent(request),
        )
        try:
            location = await self._writer.write(message)
        except RawStoreError:
            log.error(
                "webhook partner=%s outcome=not_stored bytes=%d request_id=%s",
                pid,
                len(body),
                request_id,
            )
            return _answer(
                503,
                {"error": "not stored, send again"},
                request_id,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        log.info(
            "webhook partner=%s outcome=stored bytes=%d request_id=%s topic=%s partition=%d "
            "offset=%d",
            pid,
            len(body),
            request_id,
            location.topic,
            location.partition,
            location.offset,
        )
        return _answer(202, {"status": "stored", "id": request_id}, request_id)


class _BadContentLength(Exception):
    """A Content-Length header that is not a non-negative integer."""


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole body, refusing early and never holding more than ``limit`` + 1 chunk.

    Content-Length decides before anything is read; counting while streaming covers a
    chunked upload without Content-Length, so no client can make us read 100 MB.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not _DIGITS.fullmatch(declared):
            raise _BadContentLength()
        if int(declared) > limit:
            raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _message_key(partner: WebhookPartner, body: bytes, request_id: str) -> bytes | None:
    """The partner's key function, guarded: a bug in it must not lose a message."""
    try:
        return partner.message_key(body)
    except Exception as exc:
        # Only the type: an exception's text may quote the body.
        log.error(
            "webhook partner=%s message_key failed error=%s request_id=%s",
            partner.partner_id,
            type(exc).__name__,
            request_id,
        )
        return None


def _traceparent(request: Request) -> str | None:
    value = request.headers.get("traceparent")
    if value is not None and _TRACEPARENT.fullmatch(value.strip()):
        return value.strip()
    return None


def _answer(
    status: int,
    content: dict[str, object],
    request_id: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON answer that always names the request id, so a partner can quote it."""
    return JSONResponse(
        content, status_code=status, headers={REQUEST_ID_HEADER: request_id, **(headers or {})}
    )
