"""The webhook app served inside the caller's event loop (see ``channels.http_server``)."""

from __future__ import annotations

from connectors.channels.http_server import EmbeddedHttpServer


class WebhookServer(EmbeddedHttpServer):
    """``async with WebhookServer(app) as server:`` serves the webhook at ``server.base_url``."""
