"""``onderhoud``: the corporation's maintenance system (VERA OHD onderhoudsorders)."""

from router.destinations.onderhoud.destination import OnderhoudDestination
from router.destinations.onderhoud.mapping import ROUTES, to_vera

__all__ = ["ROUTES", "OnderhoudDestination", "to_vera"]
