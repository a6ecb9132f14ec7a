"""What every destination's configuration has, whatever system it is.

``[destinations.<id>]`` in the TOML file is validated by that destination's settings
model (a subclass of :class:`DestinationSettings`, in its ``plugin.py``);
its defaults are the corporation's rules for that destination, so a minimal entry
needs only the URL and, from the environment, the secret.
"""

from __future__ import annotations

from pydantic import Field

from contracts.settings import SettingsModel
from router.entitlement import Entitlement


class DestinationSettings(SettingsModel):
    """Routes and entitlement of one destination."""

    routes: frozenset[str] = Field(
        description="The fact types it receives (``order.accepted``, ...)."
    )
    entitlement: Entitlement = Field(
        description="The purposes and classification it may receive (within its ceiling)."
    )
