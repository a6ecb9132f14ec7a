"""What a destination plugin is: its settings model, its ceiling, its builder.

Each destination's folder (``router/destinations/<id>/``) exports one
:class:`DestinationPlugin` as ``PLUGIN``; ``router.registry`` lists them. Routing,
entitlement, retries, the breaker, ordering and dead letters come from the delivery
workers and the engines under them, the same for all (docs/adding-a-destination.md).

Each plugin states its **ceiling**: the most the corporation allows that system to
receive, whatever the configuration says (vera-mapping.md: the signal reaches only
``relaties``, and the data warehouse only as a count). Its settings model defaults
to that ceiling and to every fact type its mapping handles; a configuration may
narrow both and is refused at start if it goes beyond (``router.entitlement``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from contracts import KafkaSettings
from router.entitlement import Entitlement, check_configuration
from router.settings import DestinationSettings
from router.vera_client import VeraSystemSettings


@dataclass(frozen=True)
class BuildContext:
    """What a destination may need besides its own settings."""

    kafka: KafkaSettings
    sender_organisation: str


class Worker(Protocol):
    """What the router process runs per destination."""

    @property
    def destination(self) -> Any: ...

    async def run(self, stopping: Any) -> None: ...


@dataclass(frozen=True)
class DestinationPlugin:
    id: str
    settings_model: type[DestinationSettings]
    ceiling: Entitlement
    supported: frozenset[str]
    build: Callable[[Any, BuildContext], Worker]

    def settings(self, config: Mapping[str, Any] | DestinationSettings) -> DestinationSettings:
        """Validate a ``[destinations.<id>]`` entry, entitlement rules included."""
        if isinstance(config, DestinationSettings):
            config = config.model_dump()
        return self.check(self.settings_model.model_validate(config))

    def check(self, settings: DestinationSettings) -> DestinationSettings:
        """The entitlement rules: nothing beyond this destination's ceiling and mapping
        (a ConfigurationError, a ValueError, so pydantic reports it at the entry)."""
        check_configuration(
            self.id,
            ceiling=self.ceiling,
            entitlement=settings.entitlement,
            routes=settings.routes,
            supported=self.supported,
        )
        return settings


def vera_worker(destination: Any, settings: VeraSystemSettings, context: BuildContext) -> Worker:
    """The delivery worker of a VERA system, from its settings."""
    from router.delivery import DeliveryWorker

    return DeliveryWorker(
        context.kafka,
        destination,
        routes=settings.routes,
        entitlement=settings.entitlement,
        policy=settings.retry,
        breaker=settings.breaker,
        concurrency=settings.concurrency,
    )
