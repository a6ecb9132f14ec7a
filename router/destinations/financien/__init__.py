"""``financien``: the corporation's finance system (VERA OHD inkoopfacturen)."""

from router.destinations.financien.destination import FinancienDestination
from router.destinations.financien.mapping import ROUTES, to_vera

__all__ = ["ROUTES", "FinancienDestination", "to_vera"]
