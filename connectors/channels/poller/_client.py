"""An HTTP API behind OAuth2 client credentials, as a poller needs it.

* A token from ``POST <token_url>`` (form body ``grant_type=client_credentials``),
  kept until shortly before ``expires_in`` runs out.
* A token refused before it expires (401) is dropped; a new one is fetched once and
  the request repeated once. A second 401 means the credentials themselves are wrong.
* Every request, token calls included, passes the shared :class:`RateLimiter`.
* Explicit time-outs; every failed call (``kit.delivery.http_calls``, the one HTTP
  client) and every non-2xx answer is translated into the poller's error tree
  (``errors.py``) here, at the edge.

Tokens and secrets never reach a log line or an error message.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from connectors.channels.poller._limiter import RateLimiter
from connectors.channels.poller.errors import (
    MalformedPage,
    SourceCredentialFault,
    SourceRateLimited,
    SourceRejected,
    SourceTimeout,
    SourceUnavailable,
    SourceUnreachable,
)
from kit.delivery.errors import DestinationTimeout, DestinationUnreachable
from kit.delivery.http_calls import Answer, HttpClient
from kit.delivery.retry import retry_after

log = logging.getLogger(__name__)

#: A token is renewed this many seconds before its ``expires_in`` runs out.
EXPIRY_MARGIN_SECONDS = 60.0


class OAuthApiClient:
    """GETs JSON from one API with a client-credentials token, within a rate limit."""

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        limiter: RateLimiter,
        timeout_seconds: float,
        token_path: str = "/oauth/token",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._limiter = limiter
        self._token_path = token_path
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self.tokens_fetched = 0
        self._http = HttpClient(
            base_url, timeout_seconds=timeout_seconds, headers={"Accept": "application/json"}
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_json(self, path: str, params: Mapping[str, str]) -> Any:
        """The JSON body of ``GET path``, renewing the token once on a 401."""
        response = await self._send("GET", path, params=params, headers=await self._auth())
        if response.status == 401:
            log.info("token refused before it expired; fetching a new one once")
            self._token = None
            response = await self._send("GET", path, params=params, headers=await self._auth())
            if response.status == 401:
                raise SourceCredentialFault(
                    f"GET {path} answered 401 with a fresh token", status=401
                )
        _raise_for_answer(f"GET {path}", response)
        return _json(response, f"GET {path}")

    async def _auth(self) -> dict[str, str]:
        if self._token is None or self._clock() >= self._token_expires:
            await self._fetch_token()
        assert self._token is not None
        return {"Authorization": f"Bearer {self._token}"}

    async def _fetch_token(self) -> None:
        what = f"POST {self._token_path}"
        response = await self._send(
            "POST",
            self._token_path,
            form={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        if response.status in (400, 401, 403):
            # RFC 6749 §5.2: invalid_client / unauthorized_client come as 400 or 401.
            raise SourceCredentialFault(
                f"{what} refused the client credentials ({response.status})",
                status=response.status,
            )
        _raise_for_answer(what, response)
        document = _json(response, what)
        token = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise MalformedPage(f"{what}: answer without access_token")
        expires_in = document.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        self._token = token
        self._token_expires = self._clock() + max(0.0, lifetime - EXPIRY_MARGIN_SECONDS)
        self.tokens_fetched += 1

    async def _send(self, method: str, path: str, **kwargs: Any) -> Answer:
        try:
            async with self._limiter.slot():
                return await self._http.request(method, path, **kwargs)
        except DestinationTimeout as exc:
            raise SourceTimeout(str(exc)) from exc
        except DestinationUnreachable as exc:
            raise SourceUnreachable(str(exc)) from exc


def _raise_for_answer(what: str, response: Answer) -> None:
    status = response.status
    if status < 300:
        return
    if status in (401, 403):
        raise SourceCredentialFault(f"{what} answered {status}", status=status)
    if status == 429:
        raise SourceRateLimited(f"{what} answered 429", retry_after=retry_after(response.headers))
    if status >= 500:
        raise SourceUnavailable(
            f"{what} answered {status}", status=status, retry_after=retry_after(response.headers)
        )
    raise SourceRejected(f"{what} answered {status}", status=status)


def _json(response: Answer, what: str) -> Any:
    try:
        return json.loads(response.body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedPage(f"{what}: the answer is not JSON") from None
