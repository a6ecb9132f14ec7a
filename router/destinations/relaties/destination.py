"""Delivers social signals to the relationship system (VERA BRG signaleringen), and nothing else."""

from __future__ import annotations

from contracts import CanonicalEvent, SocialSignalRaised
from router.destination import Delivered, KeepsNoState, Outcome, Skipped
from router.destinations.relaties.mapping import to_vera
from router.vera_client import VeraClient, VeraSystemSettings


class RelatiesDestination(KeepsNoState):
    id = "relaties"

    def __init__(self, settings: VeraSystemSettings, *, sender: str) -> None:
        self.settings = settings
        self._client = VeraClient(settings, sender=sender)

    async def deliver(self, event: CanonicalEvent) -> Outcome:
        signal = event.data
        if not isinstance(signal, SocialSignalRaised):
            return Skipped(
                f"the relationship system gets social signals only, not {event.fact_type}"
            )
        call = to_vera(signal, partner=event.ownership.producer)
        answer = await self._client.send(call, reference=event.id)
        return Delivered(f"{call.method} {call.path} {answer.status}")

    async def aclose(self) -> None:
        await self._client.aclose()
