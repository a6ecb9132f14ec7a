"""``onderhoud``: the corporation's maintenance system (VERA OHD onderhoudsorders)."""

from router.destinations.onderhoud.destination import OnderhoudDestination
from router.destinations.onderhoud.mapping import to_vera

__all__ = ["OnderhoudDestination", "to_vera"]
