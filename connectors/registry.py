"""Every partner ketenbus knows, by id: what it takes to wire one in.

A partner is a plugin: its inbound adapter and the ingress channels it uses. Adding
a partner means writing its folder under ``connectors/<partner>/`` and listing its
plugin in :func:`partners`; nothing in the router changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from connectors.adapter import InboundAdapter
from connectors.channels.webhook import WebhookPartner


@dataclass(frozen=True)
class PartnerPlugin:
    id: str
    inbound: InboundAdapter
    webhook: Callable[[tuple[str, ...]], WebhookPartner] | None = None
    """Builds the partner's webhook configuration from its secrets, if it pushes."""


@cache
def partners() -> dict[str, PartnerPlugin]:
    """The partner plugins by id (imported lazily: each partner module imports this one)."""
    from connectors import maasdal

    return {plugin.id: plugin for plugin in (maasdal.PLUGIN,)}
