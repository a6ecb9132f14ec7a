"""Calling a VERA system of the corporation: headers, exact amounts, typed answers.

Every call carries ``X-API-KEY`` and the VERA ``X-Stuurgegevens-*`` headers; the
``Referentienummer`` is the canonical event id, the same on every attempt, retry and
replay, so the corporation's system does a fact once. Bodies are JSON with Decimal
amounts written as exact JSON numbers (simplejson), never through a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import simplejson
from pydantic import Field, SecretStr

from contracts.settings import HttpUrlText
from kit.delivery.breaker import BreakerSettings
from kit.delivery.http_calls import Answer, HttpClient, raise_for_answer
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
    into our errors."""

    def __init__(self, settings: VeraSystemSettings, *, sender: str) -> None:
        self._sender = sender
        self._http = HttpClient(
            settings.base_url,
            timeout_seconds=settings.timeout_seconds,
            headers={
                "X-API-KEY": settings.api_key.get_secret_value(),
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            connections=settings.concurrency,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, call: VeraCall, *, reference: str) -> Answer:
        """Make the call once; 2xx returns, anything else raises a DeliveryError."""
        headers = {
            "X-Stuurgegevens-Zender-Organisatie": self._sender,
            "X-Stuurgegevens-Tijdstip-Bericht": _utc_now(),
            "X-Stuurgegevens-Referentienummer": reference,
        }
        content = simplejson.dumps(call.body, use_decimal=True, ensure_ascii=False).encode()
        answer = await self._http.request(call.method, call.path, content=content, headers=headers)
        raise_for_answer(f"{call.method} {call.path}", answer)
        return answer


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
