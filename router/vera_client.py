"""Calling a VERA system of the corporation: headers, exact amounts, typed answers.

Every call carries ``X-API-KEY`` and the VERA ``X-Stuurgegevens-*`` headers; the
``Referentienummer`` is the canonical event id, the same on every attempt, retry and
replay, so the corporation's system does a fact once. Bodies are JSON with Decimal
amounts written as exact JSON numbers (simplejson), never through a float.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import simplejson
from pydantic import Field, SecretStr

from contracts.settings import HttpUrlText
from kit.delivery.breaker import BreakerSettings
from kit.delivery.http_calls import raise_for_answer, request
from kit.delivery.retry import RetryPolicy
from router.settings import DestinationSettings


class VeraSystemSettings(DestinationSettings):
    """One VERA system of the corporation, as configuration."""

    base_url: HttpUrlText = Field(description="e.g. https://onderhoud.corporatie.nl/v4")
    api_key: SecretStr = Field(description="X-API-KEY; from the environment, never the file.")
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="Per request; connecting gets at most 5 s of it."
    )
    concurrency: int = Field(default=8, ge=1, description="Orders delivered in parallel.")
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerSettings = BreakerSettings()


@dataclass(frozen=True)
class VeraCall:
    """One request a mapping wants made."""

    method: str
    path: str
    body: dict[str, Any]


class VeraClient:
    """``concurrency`` kept-alive connections to one VERA system, translating answers
    into our errors.

    One httpx client of one connection each, handed to one call at a time, rather
    than one client with a pool of ``concurrency``: when several lanes call at once,
    httpcore's pool hands them all the same idle connection and all but one retry
    (encode/httpcore#822), which cost a fifth of the delivery rate
    (docs/performance.md). Last used goes out first, so its connection is warm."""

    def __init__(self, settings: VeraSystemSettings, *, sender: str) -> None:
        self._sender = sender
        self._clients = [_one_connection(settings) for _ in range(settings.concurrency)]
        self._free: asyncio.LifoQueue[httpx.AsyncClient] = asyncio.LifoQueue()
        for client in self._clients:
            self._free.put_nowait(client)

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def send(self, call: VeraCall, *, reference: str) -> httpx.Response:
        """Make the call once; 2xx returns, anything else raises a DeliveryError."""
        headers = {
            "X-Stuurgegevens-Zender-Organisatie": self._sender,
            "X-Stuurgegevens-Tijdstip-Bericht": _utc_now(),
            "X-Stuurgegevens-Referentienummer": reference,
        }
        content = simplejson.dumps(call.body, use_decimal=True, ensure_ascii=False).encode()
        client = await self._free.get()
        try:
            response = await request(
                client, call.method, call.path, content=content, headers=headers
            )
        finally:
            self._free.put_nowait(client)
        raise_for_answer(f"{call.method} {call.path}", response)
        return response


def _one_connection(settings: VeraSystemSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=settings.base_url.rstrip("/"),
        headers={
            "X-API-KEY": settings.api_key.get_secret_value(),
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        timeout=httpx.Timeout(settings.timeout_seconds, connect=min(5.0, settings.timeout_seconds)),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
