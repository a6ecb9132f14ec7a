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

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.channels.errors import BodyTooLarge, RawStoreError, SignatureError
from connectors.channels.raw_writer import RawWriter
from connectors.channels.webhook._budget import BodyBudget
from connectors.channels.webhook._partner import RETRY_AFTER_SECONDS, WebhookPartner
from connectors.channels.webhook._signature import SignatureHeader, check_signature_header
from connectors.channels.webhook.openapi import webhook_openapi
from contracts.raw import RawMessage

log = logging.getLogger(__name__)

CHANNEL = "webhook"
REQUEST_ID_HEADER = "X-Request-Id"

_DIGITS = re.compile(r"[0-9]{1,18}")
# W3C trace context, version 00; anything else is dropped rather than propagated.
_TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


@dataclass(frozen=True)
class WebhookLimits:
    """What the requests in flight may hold together (``[webhook]`` settings)."""

    body_bytes_in_flight: int = 64 * 1024 * 1024
    body_timeout_seconds: float = 30.0


def create_webhook_app(
    partners: Mapping[str, WebhookPartner],
    writer: RawWriter,
    *,
    clock: Callable[[], float] = time.time,
    limits: WebhookLimits | None = None,
) -> Starlette:
    """The ASGI app serving ``POST /partners/{partner}/messages``, ``GET /health`` and
    ``GET /openapi.json`` (the contract of exactly these partners).

    ``partners`` maps a partner id to its configuration; ``writer`` must be started
    (or able to connect) by the caller, who owns its lifecycle. ``clock`` gives unix
    seconds and exists so tests can move time for the replay window.
    """
    for partner_id, partner in partners.items():
        if partner_id != partner.partner_id:
            raise ValueError(f"partner {partner.partner_id} is configured under {partner_id!r}")
    receiver = _Receiver(dict(partners), writer, clock, limits or WebhookLimits())
    contract = webhook_openapi(partners.values())

    async def openapi(request: Request) -> Response:
        return JSONResponse(contract)

    app = Starlette(
        routes=[
            Route("/partners/{partner}/messages", receiver.receive, methods=["POST"]),
            Route("/health", _health(writer), methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ]
    )
    app.state.body_budget = receiver.budget  # what is held now, for metrics and tests
    return app


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
        limits: WebhookLimits,
    ) -> None:
        self._partners = partners
        self._writer = writer
        self._clock = clock
        self._limits = limits
        self.budget = BodyBudget(limits.body_bytes_in_flight)

    async def receive(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        partner = self._partners.get(request.path_params["partner"])
        if partner is None:
            log.info("webhook outcome=unknown_partner request_id=%s", request_id)
            return _answer(404, {"error": "unknown partner"}, request_id, headers=_CLOSE)
        now = self._clock()
        head = _check_head(request, partner, now, request_id)
        if isinstance(head, Response):
            return head
        # The body's share of memory is taken before a byte of it is read, and given
        # back only once this request's body, message and record are gone.
        share = head.declared if head.declared is not None else partner.max_body_bytes
        if not self.budget.take(share):
            log.warning(
                "webhook partner=%s outcome=busy declared=%d in_flight=%d request_id=%s",
                partner.partner_id,
                share,
                self.budget.held,
                request_id,
            )
            return _answer(
                503,
                {"error": "busy, send again"},
                request_id,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS), **_CLOSE},
            )
        try:
            return await self._store(request, partner, head.signature, now, request_id)
        finally:
            self.budget.give(share)

    async def _store(
        self,
        request: Request,
        partner: WebhookPartner,
        signature: SignatureHeader,
        now: float,
        request_id: str,
    ) -> Response:
        """Read the body, check its signature, store it: the answer to a sound head."""
        pid = partner.partner_id
        try:
            async with asyncio.timeout(self._limits.body_timeout_seconds):
                body = await _read_body(request, partner.max_body_bytes)
        except BodyTooLarge as exc:
            log.info("webhook partner=%s outcome=too_large request_id=%s", pid, request_id)
            return _too_large(exc.limit, request_id)
        except TimeoutError:
            log.info("webhook partner=%s outcome=body_timeout request_id=%s", pid, request_id)
            return _answer(408, {"error": "body not received in time"}, request_id, headers=_CLOSE)
        except ClientDisconnect:
            log.info("webhook partner=%s outcome=disconnected request_id=%s", pid, request_id)
            return Response(status_code=400)  # nobody is listening any more

        try:
            signature.verify(body, partner.secrets)
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


#: On an answer given before the whole body was read: the server stops reading (it
#: lingers briefly so the answer arrives, see ``channels.http_guard``) instead of
#: draining an upload it does not want, and the connection is not reused.
_CLOSE = {"Connection": "close"}


@dataclass(frozen=True)
class _Head:
    """A request head that passed every check that needs no body."""

    declared: int | None
    signature: SignatureHeader


def _check_head(
    request: Request, partner: WebhookPartner, now: float, request_id: str
) -> _Head | Response:
    """Framing, size, the signature header and the media type: all refused before the
    body is read, so a plainly bad request costs neither memory nor waiting for its upload."""
    pid = partner.partner_id
    declared = request.headers.get("content-length")
    if declared is not None and "transfer-encoding" in request.headers:
        # RFC 9112 section 6.3: ambiguous framing (request smuggling); refuse and close.
        log.info("webhook partner=%s outcome=bad_framing request_id=%s", pid, request_id)
        return _answer(
            400,
            {"error": "both content-length and transfer-encoding"},
            request_id,
            headers=_CLOSE,
        )
    if declared is not None and not _DIGITS.fullmatch(declared):
        log.info("webhook partner=%s outcome=bad_length request_id=%s", pid, request_id)
        return _answer(400, {"error": "invalid content-length"}, request_id, headers=_CLOSE)
    size = int(declared) if declared is not None else None
    if size is not None and size > partner.max_body_bytes:
        log.info("webhook partner=%s outcome=too_large request_id=%s", pid, request_id)
        return _too_large(partner.max_body_bytes, request_id)
    try:
        signature = check_signature_header(request.headers.get(partner.signature_header), now=now)
    except SignatureError as exc:
        log.warning(
            "webhook partner=%s outcome=refused reason=%r declared=%s request_id=%s",
            pid,
            exc.reason,
            declared,
            request_id,
        )
        return _answer(401, {"error": exc.reason}, request_id, headers=_CLOSE)
    if not partner.accepts(request.headers.get("content-type")):
        log.info("webhook partner=%s outcome=unsupported_type request_id=%s", pid, request_id)
        return _answer(
            415,
            {"error": "unsupported content type", "accepted": list(partner.content_types)},
            request_id,
            headers=_CLOSE,
        )
    return _Head(size, signature)


def _too_large(limit: int, request_id: str) -> Response:
    return _answer(413, {"error": "body too large", "limit": limit}, request_id, headers=_CLOSE)


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole body, never holding more than ``limit`` + 1 chunk.

    ``Content-Length`` was checked with the head; counting while streaming covers a
    chunked upload without one, so no client can make us read 100 MB.
    """
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
