"""Every destination ketenbus can deliver to, by id: settings model, ceiling, builder.

Adding a destination means a folder under ``router/destinations/<id>/`` and a plugin
listed here; routing, entitlement, retries, the breaker, ordering and dead letters
come from the delivery workers, the same for all.

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

from pydantic import Field, SecretStr, field_validator

from contracts import Classification, KafkaSettings, Purpose
from router.delivery import DeliveryWorker
from router.destinations import dwh, financien, onderhoud, relaties
from router.destinations.dwh import DwhDestination, Pseudonymiser
from router.destinations.financien import FinancienDestination
from router.destinations.onderhoud import OnderhoudDestination
from router.destinations.relaties import RelatiesDestination
from router.entitlement import Entitlement, check_configuration
from router.settings import DestinationSettings
from router.topic_delivery import TopicDeliveryWorker
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


# -- the corporation's ceilings ---------------------------------------------------------

ONDERHOUD_CEILING = Entitlement(
    purposes=frozenset({Purpose.ORDER_EXECUTION}), classification=Classification.PERSONAL
)
"""Order facts, with the partner's notes (a refusal reason); never a signal or an invoice."""

FINANCIEN_CEILING = Entitlement(
    purposes=frozenset({Purpose.INVOICING}), classification=Classification.INTERNAL
)
"""Invoices, without names or notes (finance pays the partner, not the tenant)."""

RELATIES_CEILING = Entitlement(
    purposes=frozenset({Purpose.SOCIAL_CARE}), classification=Classification.SPECIAL_CATEGORY
)
"""Social signals with the mechanic's note, and nothing else ever."""

DWH_CEILING = Entitlement(
    purposes=frozenset({Purpose.ORDER_EXECUTION, Purpose.INVOICING}),
    counted=frozenset({Purpose.SOCIAL_CARE}),
    classification=Classification.INTERNAL,
    free_text=False,
)
"""Every order fact without names, phone numbers or free text; signals only as counts."""


# -- settings models ----------------------------------------------------------------


class OnderhoudSettings(VeraSystemSettings):
    routes: frozenset[str] = onderhoud.ROUTES
    entitlement: Entitlement = ONDERHOUD_CEILING


class FinancienSettings(VeraSystemSettings):
    routes: frozenset[str] = financien.ROUTES
    entitlement: Entitlement = FINANCIEN_CEILING


class RelatiesSettings(VeraSystemSettings):
    routes: frozenset[str] = relaties.ROUTES
    entitlement: Entitlement = RELATIES_CEILING


class DwhSettings(DestinationSettings):
    routes: frozenset[str] = dwh.ROUTES
    entitlement: Entitlement = DWH_CEILING
    pseudonym_key: SecretStr = Field(
        description="HMAC-SHA256 key of the pseudonyms, at least 32 characters; from the "
        "environment (KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY), never the file."
    )
    max_batch: int = Field(default=500, ge=1, description="Records per transaction.")

    @field_validator("pseudonym_key")
    @classmethod
    def _long_enough(cls, key: SecretStr) -> SecretStr:
        if len(key.get_secret_value()) < 32:
            raise ValueError("pseudonym_key must be at least 32 characters (a random secret)")
        return key


# -- builders -------------------------------------------------------------------------


def _vera_worker(
    destination: OnderhoudDestination | FinancienDestination | RelatiesDestination,
    settings: VeraSystemSettings,
    context: BuildContext,
) -> DeliveryWorker:
    return DeliveryWorker(
        context.kafka,
        destination,
        routes=settings.routes,
        entitlement=settings.entitlement,
        policy=settings.retry,
        breaker=settings.breaker,
        concurrency=settings.concurrency,
    )


def _onderhoud(settings: OnderhoudSettings, context: BuildContext) -> Worker:
    destination = OnderhoudDestination(
        settings, sender=context.sender_organisation, kafka=context.kafka
    )
    return _vera_worker(destination, settings, context)


def _financien(settings: FinancienSettings, context: BuildContext) -> Worker:
    destination = FinancienDestination(settings, sender=context.sender_organisation)
    return _vera_worker(destination, settings, context)


def _relaties(settings: RelatiesSettings, context: BuildContext) -> Worker:
    destination = RelatiesDestination(settings, sender=context.sender_organisation)
    return _vera_worker(destination, settings, context)


def _dwh(settings: DwhSettings, context: BuildContext) -> Worker:
    destination = DwhDestination(context.kafka, Pseudonymiser(settings.pseudonym_key))
    return TopicDeliveryWorker(
        context.kafka,
        destination,
        routes=settings.routes,
        entitlement=settings.entitlement,
        max_batch=settings.max_batch,
    )


DESTINATIONS: dict[str, DestinationPlugin] = {
    plugin.id: plugin
    for plugin in (
        DestinationPlugin(
            "onderhoud", OnderhoudSettings, ONDERHOUD_CEILING, onderhoud.ROUTES, _onderhoud
        ),
        DestinationPlugin(
            "financien", FinancienSettings, FINANCIEN_CEILING, financien.ROUTES, _financien
        ),
        DestinationPlugin(
            "relaties", RelatiesSettings, RELATIES_CEILING, relaties.ROUTES, _relaties
        ),
        DestinationPlugin("dwh", DwhSettings, DWH_CEILING, dwh.ROUTES, _dwh),
    )
}
