"""Every destination ketenbus can deliver to, by id, with how to build it."""

from __future__ import annotations

from collections.abc import Callable

from router.destination import Destination
from router.destinations.onderhoud import OnderhoudDestination
from router.vera_client import VeraSystemSettings

DestinationFactory = Callable[[VeraSystemSettings, str], Destination]


def _onderhoud(settings: VeraSystemSettings, sender: str) -> Destination:
    return OnderhoudDestination(settings, sender=sender)


DESTINATIONS: dict[str, DestinationFactory] = {
    "onderhoud": _onderhoud,
}
