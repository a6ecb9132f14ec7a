"""The router: every canonical fact to each of the corporation's systems that may have it.

    keten.orders.v1, keten.signals.v1
      -> one worker and consumer group per destination:
         route (fact types) -> entitlement (purpose; fields by marking) -> map -> deliver
         with retries behind a circuit breaker -> commit
      -> onderhoud, financien (VERA OHD), relaties (VERA BRG), dwh (Kafka topics)
      -> keten.deadletter.<destination>

Destinations are plugins (``router.plugin``, each in its folder, listed in
``router.registry``) with a settings model and a ceiling; the machinery around them
is here and in ``kit`` once. See docs/router.md.
"""

from kit.delivery.breaker import BreakerSettings, BreakerState, CircuitBreaker
from kit.delivery.errors import (
    Conflict,
    CredentialFault,
    DeliveryError,
    DestinationTimeout,
    DestinationUnavailable,
    DestinationUnreachable,
    PassingFault,
    PermanentFault,
    RateLimited,
    Rejected,
    Unmappable,
)
from kit.delivery.retry import RetryPolicy
from router.delivery import DeliveryWorker, DestinationStopped
from router.destination import DeadLettered, Delivered, Destination, Outcome, Skipped, Withheld
from router.entitlement import (
    ConfigurationError,
    Counted,
    Entitlement,
    Redacted,
    check_configuration,
    decide,
    view,
)
from router.plugin import BuildContext, DestinationPlugin, Worker
from router.registry import DESTINATIONS
from router.settings import DestinationSettings
from router.topic_delivery import TopicDeliveryWorker, TopicDestination
from router.vera_client import VeraCall, VeraClient, VeraSystemSettings

__all__ = [
    "DESTINATIONS",
    "BreakerSettings",
    "BreakerState",
    "BuildContext",
    "CircuitBreaker",
    "ConfigurationError",
    "Conflict",
    "Counted",
    "CredentialFault",
    "DeadLettered",
    "Delivered",
    "DeliveryError",
    "DeliveryWorker",
    "Destination",
    "DestinationPlugin",
    "DestinationSettings",
    "DestinationStopped",
    "DestinationTimeout",
    "DestinationUnavailable",
    "DestinationUnreachable",
    "Entitlement",
    "Outcome",
    "PassingFault",
    "PermanentFault",
    "RateLimited",
    "Redacted",
    "Rejected",
    "RetryPolicy",
    "Skipped",
    "TopicDeliveryWorker",
    "TopicDestination",
    "Unmappable",
    "VeraCall",
    "VeraClient",
    "VeraSystemSettings",
    "Withheld",
    "Worker",
    "check_configuration",
    "decide",
    "view",
]
