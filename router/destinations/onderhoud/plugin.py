"""The ``onderhoud`` plugin: the maintenance system's ceiling, settings and builder."""

from __future__ import annotations

from contracts import Classification, Purpose
from router.destinations.onderhoud.destination import OnderhoudDestination
from router.destinations.onderhoud.mapping import ROUTES
from router.entitlement import Entitlement
from router.plugin import BuildContext, DestinationPlugin, Worker, vera_worker
from router.vera_client import VeraSystemSettings

CEILING = Entitlement(
    purposes=frozenset({Purpose.ORDER_EXECUTION}), classification=Classification.PERSONAL
)
"""Order facts, with the partner's notes (a refusal reason); never a signal or an invoice."""


class OnderhoudSettings(VeraSystemSettings):
    routes: frozenset[str] = ROUTES
    entitlement: Entitlement = CEILING


def build(settings: OnderhoudSettings, context: BuildContext) -> Worker:
    destination = OnderhoudDestination(
        settings, sender=context.sender_organisation, kafka=context.kafka
    )
    return vera_worker(destination, settings, context)


PLUGIN = DestinationPlugin("onderhoud", OnderhoudSettings, CEILING, ROUTES, build)
