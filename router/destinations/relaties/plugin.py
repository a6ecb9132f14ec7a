"""The ``relaties`` plugin: the relationship system's ceiling, settings and builder."""

from __future__ import annotations

from contracts import Classification, Purpose
from router.destinations.relaties.destination import RelatiesDestination
from router.destinations.relaties.mapping import ROUTES
from router.entitlement import Entitlement
from router.plugin import BuildContext, DestinationPlugin, Worker, vera_worker
from router.vera_client import VeraSystemSettings

CEILING = Entitlement(
    purposes=frozenset({Purpose.SOCIAL_CARE}), classification=Classification.SPECIAL_CATEGORY
)
"""Social signals with the mechanic's note, and nothing else ever."""


class RelatiesSettings(VeraSystemSettings):
    routes: frozenset[str] = ROUTES
    entitlement: Entitlement = CEILING


def build(settings: RelatiesSettings, context: BuildContext) -> Worker:
    destination = RelatiesDestination(settings, sender=context.sender_organisation)
    return vera_worker(destination, settings, context)


PLUGIN = DestinationPlugin("relaties", RelatiesSettings, CEILING, ROUTES, build)
