"""Delivers order facts to the maintenance system as VERA PATCHes, never moving an order back."""

from __future__ import annotations

from contracts import CanonicalEvent, KafkaSettings
from router.destination import Delivered, Outcome, Skipped
from router.destinations.onderhoud.mapping import ORDER_STATUS, to_vera
from router.destinations.onderhoud.status_clock import StatusClock
from router.vera_client import VeraClient, VeraSystemSettings


class OnderhoudDestination:
    id = "onderhoud"

    def __init__(self, settings: VeraSystemSettings, *, sender: str, kafka: KafkaSettings) -> None:
        self.settings = settings
        self._client = VeraClient(settings, sender=sender)
        self.clock = StatusClock(kafka)

    async def start(self) -> None:
        await self.clock.start()

    async def on_assigned(self) -> None:
        await self.clock.load()

    async def deliver(self, event: CanonicalEvent) -> Outcome:
        fact = event.data
        with_status = self.clock.with_status(fact.order_number, event.id, fact.occurred_at)
        call = to_vera(fact, with_status=with_status)
        if call is None:
            if not with_status:
                return Skipped(f"{event.fact_type} is older than the order's last status")
            return Skipped(f"no maintenance-system call for {event.fact_type}")
        answer = await self._client.send(call, reference=event.id)
        if type(fact) in ORDER_STATUS:
            await self.clock.delivered(
                fact.order_number, fact.occurred_at, event_id=event.id, with_status=with_status
            )
        return Delivered(f"{call.method} {call.path} {answer.status}")

    async def before_commit(self) -> None:
        await self.clock.flush()

    async def aclose(self) -> None:
        await self._client.aclose()
        await self.clock.aclose()
