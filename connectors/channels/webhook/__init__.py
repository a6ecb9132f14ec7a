"""Webhook ingress: partners push signed messages over HTTPS; ketenbus stores them raw.

    app = create_webhook_app({"maasdal": maasdal}, writer)
    async with WebhookServer(app, port=8080) as server: ...

See docs/channels/webhook.md for the guarantees, the answers and the signature scheme.
"""

from connectors.channels.webhook._app import CHANNEL, WebhookLimits, create_webhook_app
from connectors.channels.webhook._partner import (
    DEFAULT_CONTENT_TYPES,
    DEFAULT_MAX_BODY_BYTES,
    RETRY_AFTER_SECONDS,
    MessageKey,
    WebhookEndpoint,
    WebhookPartner,
    json_key,
    no_key,
)
from connectors.channels.webhook._server import WebhookServer
from connectors.channels.webhook._signature import (
    SignatureHeader,
    check_signature_header,
    sign,
    verify_signature,
)

__all__ = [
    "CHANNEL",
    "DEFAULT_CONTENT_TYPES",
    "DEFAULT_MAX_BODY_BYTES",
    "RETRY_AFTER_SECONDS",
    "MessageKey",
    "SignatureHeader",
    "WebhookEndpoint",
    "WebhookLimits",
    "WebhookPartner",
    "WebhookServer",
    "check_signature_header",
    "create_webhook_app",
    "json_key",
    "no_key",
    "sign",
    "verify_signature",
]
