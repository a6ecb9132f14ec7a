"""Every destination ketenbus can deliver to, by id: its settings model and its builder.

Adding a destination means a folder under ``router/destinations/<id>/`` and a plugin
listed here; retries, ordering, entitlement and dead letters come from the delivery
worker, the same for all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from contracts import KafkaSettings
from router.destination import Destination
from router.destinations.onderhoud import OnderhoudDestination
from router.vera_client import VeraSystemSettings


@dataclass(frozen=True)
class BuildContext:
    """What a destination may need besides its own settings."""

    kafka: KafkaSettings
    sender_organisation: str


@dataclass(frozen=True)
class DestinationPlugin:
    id: str
    settings_model: type[BaseModel]
    build: Callable[[Any, BuildContext], Destination]


def _onderhoud(settings: VeraSystemSettings, context: BuildContext) -> Destination:
    return OnderhoudDestination(settings, sender=context.sender_organisation)


DESTINATIONS: dict[str, DestinationPlugin] = {
    plugin.id: plugin
    for plugin in (DestinationPlugin("onderhoud", VeraSystemSettings, _onderhoud),)
}
