"""Maasdal Installatietechniek: JSON webhook push in, REST API out (see docs/partners)."""

from connectors.channels.webhook import WebhookEndpoint, WebhookPartner, json_key
from connectors.maasdal.inbound import PARTNER, translate
from connectors.maasdal.outbound import build_outbound
from connectors.maasdal.settings import MaasdalSettings
from connectors.plugin import PartnerPlugin

SIGNATURE_HEADER = "X-Maasdal-Signature"
WEBHOOK = WebhookEndpoint(partner_id=PARTNER, signature_header=SIGNATURE_HEADER)
"""JSON bodies of at most 1 MiB (shared/partners/maasdal.md)."""


def webhook(settings: MaasdalSettings) -> WebhookPartner | None:
    """Maasdal's webhook: its signature header, 1 MiB bodies, keyed by order number."""
    if not settings.webhook_secrets:
        return None
    return WEBHOOK.with_secrets(
        tuple(secret.get_secret_value() for secret in settings.webhook_secrets),
        message_key=json_key("opdrachtnummer"),
    )


PLUGIN = PartnerPlugin(
    id=PARTNER,
    inbound=translate,
    settings_model=MaasdalSettings,
    webhook=webhook,
    webhook_endpoint=WEBHOOK,
    outbound=build_outbound,
)

__all__ = [
    "PARTNER",
    "PLUGIN",
    "SIGNATURE_HEADER",
    "MaasdalSettings",
    "build_outbound",
    "translate",
    "webhook",
]
