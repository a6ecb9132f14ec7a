"""``dwh``: the corporation's data warehouse, fed through Kafka topics, pseudonymised."""

from router.destinations.dwh.destination import DwhDestination
from router.destinations.dwh.mapping import ROUTES, order_record
from router.destinations.dwh.pseudonym import Pseudonymiser

__all__ = ["ROUTES", "DwhDestination", "Pseudonymiser", "order_record"]
