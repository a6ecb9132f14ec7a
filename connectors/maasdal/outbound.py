"""New work orders to Maasdal's REST API (``POST /api/v2/opdrachten``, maasdal.md).

201 created; 409 the order number exists already: the same order sent twice (a
retry after a lost answer, a redelivery after a crash), so it counts as delivered;
400 ``{"fout": ...}`` a bad body: a dead letter with Maasdal's answer; 429 honours
``Retry-After``; 5xx and time-outs are retried by the shared retry rule; 401/403 stop
Maasdal's outbound loudly (the token in the settings is wrong).
"""

from __future__ import annotations

from typing import Any

import simplejson

from connectors.maasdal.settings import MaasdalSettings
from contracts import AMSTERDAM, CanonicalEvent, OrderAssigned
from kit.delivery.http_calls import HttpClient, raise_for_answer
from kit.delivery.retry import RetryPolicy

PARTNER = "maasdal"
ORDERS_PATH = "/api/v2/opdrachten"


def encode(fact: OrderAssigned) -> dict[str, Any]:
    """Maasdal's order body. The deadline in Dutch local time with its offset (RFC 3339),
    as Maasdal writes its own times."""
    contact = None
    if fact.contact is not None:
        contact = {"naam": fact.contact.name, "telefoon": fact.contact.phone}
    return {
        "opdrachtnummer": fact.order_number,
        "soort": fact.kind,
        "omschrijving": fact.description,
        "uitersteGereed": fact.deadline.astimezone(AMSTERDAM).isoformat(),
        "adres": {
            "postcode": fact.address.postcode,
            "huisnummer": fact.address.house_number,
            "toevoeging": fact.address.addition,
            "plaats": fact.address.city,
        },
        "vhe": fact.unit_code,
        "contact": contact,
        "nlsfb": fact.nlsfb_element,
    }


class MaasdalOutbound:
    partner_id = PARTNER

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_seconds: float = 10.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen model
    ) -> None:
        self.retry = retry
        self._client = HttpClient(
            base_url,
            timeout_seconds=timeout_seconds,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def deliver(self, event: CanonicalEvent) -> str:
        assert isinstance(event.data, OrderAssigned)
        body = simplejson.dumps(encode(event.data), ensure_ascii=False).encode("utf-8")
        answer = await self._client.request("POST", ORDERS_PATH, content=body)
        if answer.status == 409:
            return "already there (409)"
        raise_for_answer(f"POST {ORDERS_PATH}", answer)
        return f"created ({answer.status})"


def build_outbound(settings: MaasdalSettings) -> MaasdalOutbound | None:
    """Maasdal's outbound channel, when its API is configured."""
    if not settings.api_base_url or settings.api_token is None:
        return None
    return MaasdalOutbound(
        settings.api_base_url,
        settings.api_token.get_secret_value(),
        timeout_seconds=settings.api_timeout_seconds,
        retry=settings.outbound_retry,
    )
