"""An HTTP call's answers and httpx's exceptions, as ``kit.delivery.errors`` (at the edge).

The corporation's VERA systems (``router.vera_client``) and the partners' APIs
(``connectors.outbound``) answer alike, so both use this one reading: 401/403
credentials, 429 with Retry-After, 5xx passing, 409 a conflict, another 4xx a
rejection; the body of a 4xx goes to the dead letter.
"""

from __future__ import annotations

from typing import Any

import httpx

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


async def request(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> httpx.Response:
    """Make one call; transport failures become passing faults."""
    what = f"{method} {path}"
    try:
        return await client.request(method, path, **kw)
    except httpx.TimeoutException as exc:
        raise DestinationTimeout(f"{what}: no answer in time") from exc
    except httpx.TransportError as exc:
        raise DestinationUnreachable(f"{what}: {type(exc).__name__}") from exc


def raise_for_answer(what: str, response: httpx.Response) -> None:
    """Return on 2xx; raise the fault an answer means otherwise."""
    status = response.status_code
    if status < 300:
        return
    if status in (401, 403):
        raise CredentialFault(f"{what} answered {status}", status=status)
    if status == 429:
        raise RateLimited(f"{what} answered 429", retry_after=retry_after(response))
    if status >= 500:
        raise DestinationUnavailable(
            f"{what} answered {status}", status=status, retry_after=retry_after(response)
        )
    body = response.text[:RESPONSE_EXCERPT]
    if status == 409:
        raise Conflict(f"{what} answered {status}", status=status, response_body=body)
    raise Rejected(f"{what} answered {status}", status=status, response_body=body)
