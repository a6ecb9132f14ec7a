"""Maasdal Installatietechniek: JSON webhook push in, REST API out (see docs/partners)."""

from connectors.channels.webhook import WebhookPartner, json_key
from connectors.maasdal.inbound import PARTNER, translate
from connectors.registry import PartnerPlugin

SIGNATURE_HEADER = "X-Maasdal-Signature"


def webhook(secrets: tuple[str, ...]) -> WebhookPartner:
    """Maasdal's webhook: its signature header, 1 MiB bodies, keyed by order number."""
    return WebhookPartner(
        partner_id=PARTNER,
        signature_header=SIGNATURE_HEADER,
        secrets=secrets,
        message_key=json_key("opdrachtnummer"),
    )


PLUGIN = PartnerPlugin(id=PARTNER, inbound=translate, webhook=webhook)

__all__ = ["PARTNER", "PLUGIN", "SIGNATURE_HEADER", "translate", "webhook"]
