"""The ``dwh`` plugin: the data warehouse's ceiling, settings and builder."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from contracts import Classification, Purpose
from router.destinations.dwh.destination import DwhDestination
from router.destinations.dwh.mapping import ROUTES
from router.destinations.dwh.pseudonym import Pseudonymiser
from router.entitlement import Entitlement
from router.plugin import BuildContext, DestinationPlugin, Worker
from router.settings import DestinationSettings

CEILING = Entitlement(
    purposes=frozenset({Purpose.ORDER_EXECUTION, Purpose.INVOICING}),
    counted=frozenset({Purpose.SOCIAL_CARE}),
    classification=Classification.INTERNAL,
    free_text=False,
)
"""Every order fact without names, phone numbers or free text; signals only as counts."""


class DwhSettings(DestinationSettings):
    routes: frozenset[str] = ROUTES
    entitlement: Entitlement = CEILING
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


def build(settings: DwhSettings, context: BuildContext) -> Worker:
    from router.topic_delivery import TopicDeliveryWorker

    destination = DwhDestination(context.kafka, Pseudonymiser(settings.pseudonym_key))
    return TopicDeliveryWorker(
        context.kafka,
        destination,
        routes=settings.routes,
        entitlement=settings.entitlement,
        max_batch=settings.max_batch,
    )


PLUGIN = DestinationPlugin("dwh", DwhSettings, CEILING, ROUTES, build)
