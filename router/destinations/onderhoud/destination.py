"""Delivers order facts to the maintenance system as VERA PATCHes."""

from __future__ import annotations

from contracts import CanonicalEvent, Classification, Topics
from router.destination import Delivered, Outcome, Skipped
from router.destinations.onderhoud.mapping import to_vera
from router.vera_client import VeraClient, VeraSystemSettings


class OnderhoudDestination:
    id = "onderhoud"
    # Order facts may name the mechanic or carry a partner's note; social signals
    # (special category) never reach the maintenance system.
    max_classification = Classification.PERSONAL

    def __init__(self, settings: VeraSystemSettings, *, sender: str) -> None:
        self.settings = settings
        self._client = VeraClient(settings, sender=sender)

    def topics(self, topics: Topics) -> list[str]:
        return [topics.orders]

    async def deliver(self, event: CanonicalEvent) -> Outcome:
        call = to_vera(event.data)
        if call is None:
            return Skipped(f"no maintenance-system call for {event.fact_type}")
        response = await self._client.send(call, reference=event.id)
        return Delivered(f"{call.method} {call.path} {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()
