"""The ``financien`` plugin: the finance system's ceiling, settings and builder."""

from __future__ import annotations

from contracts import Classification, Purpose
from router.destinations.financien.destination import FinancienDestination
from router.destinations.financien.mapping import ROUTES
from router.entitlement import Entitlement
from router.plugin import BuildContext, DestinationPlugin, Worker, vera_worker
from router.vera_client import VeraSystemSettings

CEILING = Entitlement(
    purposes=frozenset({Purpose.INVOICING}), classification=Classification.INTERNAL
)
"""Invoices, without names or notes (finance pays the partner, not the tenant)."""


class FinancienSettings(VeraSystemSettings):
    routes: frozenset[str] = ROUTES
    entitlement: Entitlement = CEILING


def build(settings: FinancienSettings, context: BuildContext) -> Worker:
    destination = FinancienDestination(settings, sender=context.sender_organisation)
    return vera_worker(destination, settings, context)


PLUGIN = DestinationPlugin("financien", FinancienSettings, CEILING, ROUTES, build)
