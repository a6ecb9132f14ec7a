"""What a partner plugin is: what it takes to wire one co-maker in.

A partner is a plugin (like a Redpanda Connect component): its inbound adapter, its
settings model, and the channels it uses in and out. Each partner's folder
(``connectors/<partner>/``) exports one :class:`PartnerPlugin` as ``PLUGIN``;
``connectors.registry`` lists them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.adapter import InboundAdapter
from connectors.channels.webhook import WebhookEndpoint, WebhookPartner
from contracts import KafkaSettings
from contracts.settings import SettingsModel

if TYPE_CHECKING:
    from connectors.outbound.channel import PartnerOutbound


class PartnerSettings(SettingsModel):
    """The base of every partner's settings model (``[partners.<id>]`` in the TOML)."""


IngressRunner = Callable[[Any, KafkaSettings, asyncio.Event], Coroutine[Any, Any, None]]
"""Runs a pull channel (file inbox, poller) for one partner until ``stopping`` is set;
called with the partner's settings, the Kafka settings and the stop event."""


@dataclass(frozen=True)
class PartnerPlugin:
    id: str
    inbound: InboundAdapter
    settings_model: type[PartnerSettings] = PartnerSettings
    webhook: Callable[[Any], WebhookPartner | None] | None = None
    """Builds the partner's webhook configuration from its settings, if it pushes."""
    webhook_endpoint: WebhookEndpoint | None = None
    """The public side of that webhook (path, header, media types, limit) for its
    OpenAPI contract; the builder above should make its partner from it."""
    ingress: IngressRunner | None = None
    """Runs the partner's pull channel (file inbox, poller), if it has one."""
    outbound: Callable[[Any], PartnerOutbound | None] | None = None
    """Builds the partner's outbound channel (new work orders) from its settings, if it
    takes orders from ketenbus; None from the builder when it is not configured."""
