"""The one HTTP client ketenbus calls out with, and the reading of its answers.

The corporation's VERA systems (``router.vera_client``), the partners' APIs
(``connectors.outbound``) and the APIs ketenbus polls (``connectors.channels.poller``)
are all called through :class:`HttpClient`; nowhere else builds an HTTP client.

**aiohttp, not httpx.** Delivery is the stage that sets how many facts a second
ketenbus delivers: every fact is one call. On this machine httpx spent ~580 µs of CPU
per call (its own layers, then httpcore over anyio), aiohttp ~80 µs against the same
sink (docs/performance.md, "Fixed from the profiles"); end to end at 1,000 msg/s that
was the router's bottleneck. aiohttp's pool also hands a connection to one request at
a time, which httpcore's did not (encode/httpcore#822).

Transport failures become passing faults (:class:`DestinationTimeout`,
:class:`DestinationUnreachable`); :func:`raise_for_answer` reads an answer the way
VERA systems and partners answer alike: 401/403 credentials, 429 with Retry-After,
5xx passing, 409 a conflict, another 4xx a rejection; the body of a 4xx goes to the
dead letter. Nothing above this module sees an aiohttp type.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from kit.delivery.errors import (
    Conflict,
    CredentialFault,
    DestinationTimeout,
    DestinationUnavailable,
    DestinationUnreachable,
    RateLimited,
    Rejected,
)
from kit.delivery.retry import retry_after

RESPONSE_EXCERPT = 2000
"""How much of an error answer is kept for the dead letter."""

CONNECT_SECONDS = 5.0
"""At most this much of a call's time-out goes to connecting."""


@dataclass(frozen=True)
class Answer:
    """What a server answered: read whole, so the connection is free again."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpClient:
    """Kept-alive connections to one server (at most ``connections`` at once), with a
    time-out per call and headers sent on every call."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float,
        headers: Mapping[str, str] | None = None,
        connections: int = 1,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, connect=min(CONNECT_SECONDS, timeout_seconds)
        )
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made on the first call: a session belongs to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._connections),
                proxy=_proxy_for(self._base_url),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        form: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Make one call and read its answer; transport failures become passing faults."""
        what = f"{method} {path}"
        data: Any = content if form is None else dict(form)
        try:
            async with self._open().request(
                method, self._base_url + path, data=data, params=params, headers=headers
            ) as response:
                return Answer(response.status, response.headers, await response.read())
        except TimeoutError as exc:  # aiohttp's time-outs are TimeoutErrors too
            raise DestinationTimeout(f"{what}: no answer in time") from exc
        except aiohttp.ClientError as exc:
            raise DestinationUnreachable(f"{what}: {type(exc).__name__}") from exc


def _proxy_for(base_url: str) -> str | None:
    """The proxy ``HTTP(S)_PROXY`` names for this server, unless ``NO_PROXY`` exempts it:
    read once, as aiohttp's ``trust_env`` would read it on every call (~0.5 ms each)."""
    url = URL(base_url)
    if url.host is None or urllib.request.proxy_bypass(url.host):
        return None
    return urllib.request.getproxies().get(url.scheme)


def raise_for_answer(what: str, answer: Answer) -> None:
    """Return on 2xx; raise the fault an answer means otherwise."""
    status = answer.status
    if status < 300:
        return
    if status in (401, 403):
        raise CredentialFault(f"{what} answered {status}", status=status)
    if status == 429:
        raise RateLimited(f"{what} answered 429", retry_after=retry_after(answer.headers))
    if status >= 500:
        raise DestinationUnavailable(
            f"{what} answered {status}", status=status, retry_after=retry_after(answer.headers)
        )
    body = answer.text[:RESPONSE_EXCERPT]
    if status == 409:
        raise Conflict(f"{what} answered {status}", status=status, response_body=body)
    raise Rejected(f"{what} answered {status}", status=status, response_body=body)
