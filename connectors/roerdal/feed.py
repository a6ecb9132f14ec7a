"""Roerdal's mutaties feed as a poller :class:`~connectors.channels.poller.Feed`.

    GET /api/v1/mutaties?sinds=<cursor>&max=<1..500>  ->  {"mutaties", "cursor", "meer"}

Each mutatie becomes its own raw record (channel ``poll``), keyed by its order number
(``opdracht``) so the facts of one order stay in order, with the mutatie id as its
origin. The record value is the mutatie object as Roerdal sent it, written compactly:
the page around it (cursor, meer) is transport, and goes to the poller's state topic.

A mutatie that is itself broken is still stored (the translator dead-letters it with
its context); only a page whose envelope cannot be read is refused, because without
its cursor nothing can be taken from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from connectors.channels.poller import (
    CHANNEL,
    MalformedPage,
    OAuthApiClient,
    Page,
    RateLimiter,
)
from connectors.roerdal.settings import RoerdalSettings
from contracts import RawMessage

PARTNER = "roerdal"
FEED_PATH = "/api/v1/mutaties"
TOKEN_PATH = "/oauth/token"


class RoerdalFeed:
    partner_id = PARTNER

    def __init__(
        self,
        settings: RoerdalSettings,
        *,
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        base_url, client_id, secret = (
            settings.api_base_url,
            settings.client_id,
            settings.client_secret,
        )
        if not (base_url and client_id and secret):
            raise ValueError("partners.roerdal needs api_base_url, client_id and client_secret")
        self._page_size = settings.page_size
        self._clock = clock
        self.limiter = limiter or RateLimiter(settings.max_requests, settings.rate_window_seconds)
        self.api = OAuthApiClient(
            base_url,
            client_id=client_id,
            client_secret=secret.get_secret_value(),
            limiter=self.limiter,
            timeout_seconds=settings.timeout_seconds,
            token_path=TOKEN_PATH,
        )

    async def aclose(self) -> None:
        await self.api.aclose()

    async def fetch(self, cursor: str | None) -> Page:
        params = {"max": str(self._page_size)}
        if cursor is not None:
            params["sinds"] = cursor
        document = await self.api.get_json(FEED_PATH, params)
        return page_of(document, received_at=self._clock())


def page_of(document: Any, *, received_at: datetime) -> Page:
    """The poller's page for one feed answer; MalformedPage when its envelope is broken."""
    if not isinstance(document, dict):
        raise MalformedPage("feed answer is not a JSON object")
    mutaties, cursor, more = document.get("mutaties"), document.get("cursor"), document.get("meer")
    if not isinstance(mutaties, list):
        raise MalformedPage("feed answer without a mutaties list")
    if not isinstance(cursor, str) or not cursor:
        raise MalformedPage("feed answer without a cursor")
    if not isinstance(more, bool):
        raise MalformedPage("feed answer without meer true/false")
    return Page(
        messages=tuple(_raw(mutatie, index, received_at) for index, mutatie in enumerate(mutaties)),
        cursor=cursor,
        more=more,
    )


def _raw(mutatie: Any, index: int, received_at: datetime) -> RawMessage:
    fields = mutatie if isinstance(mutatie, dict) else {}
    mutatie_id = fields.get("id")
    order = fields.get("opdracht")
    # The mutatie id; a mutatie without one is named by its place in the page.
    origin = (
        str(mutatie_id)
        if isinstance(mutatie_id, int) and not isinstance(mutatie_id, bool)
        else f"item-{index}"
    )
    return RawMessage(
        partner=PARTNER,
        channel=CHANNEL,
        body=json.dumps(mutatie, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        received_at=received_at,
        content_type="application/json",
        origin=origin,
        key=order.encode("utf-8") if isinstance(order, str) and order else None,
    )
