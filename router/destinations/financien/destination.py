"""Delivers invoices to the corporation's finance system (VERA OHD inkoopfacturen)."""

from __future__ import annotations

from contracts import CanonicalEvent, InvoiceSubmitted
from router.destination import Delivered, KeepsNoState, Outcome, Skipped
from router.destinations.financien.mapping import to_vera
from router.vera_client import VeraClient, VeraSystemSettings


class FinancienDestination(KeepsNoState):
    id = "financien"

    def __init__(self, settings: VeraSystemSettings, *, sender: str) -> None:
        self.settings = settings
        self._client = VeraClient(settings, sender=sender)

    async def deliver(self, event: CanonicalEvent) -> Outcome:
        invoice = event.data
        if not isinstance(invoice, InvoiceSubmitted):
            return Skipped(f"finance gets invoices only, not {event.fact_type}")
        call = to_vera(invoice, partner=event.ownership.producer)
        answer = await self._client.send(call, reference=event.id)
        return Delivered(f"{call.method} {call.path} {answer.status}")

    async def aclose(self) -> None:
        await self._client.aclose()
