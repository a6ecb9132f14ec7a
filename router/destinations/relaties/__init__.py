"""``relaties``: the relationship system of the woonconsulenten and the sociaal team (VERA BRG)."""

from router.destinations.relaties.destination import RelatiesDestination
from router.destinations.relaties.mapping import ROUTES, to_vera

__all__ = ["ROUTES", "RelatiesDestination", "to_vera"]
