"""Every destination ketenbus can deliver to, by id.

Adding a destination means a folder under ``router/destinations/<id>/`` that exports
a ``PLUGIN`` (``router.plugin.DestinationPlugin``: settings model, ceiling, builder)
from its ``plugin.py``, and a line here (docs/adding-a-destination.md).
"""

from __future__ import annotations

from router.destinations.dwh import plugin as dwh
from router.destinations.financien import plugin as financien
from router.destinations.onderhoud import plugin as onderhoud
from router.destinations.relaties import plugin as relaties
from router.plugin import DestinationPlugin

DESTINATIONS: dict[str, DestinationPlugin] = {
    plugin.id: plugin
    for plugin in (onderhoud.PLUGIN, financien.PLUGIN, relaties.PLUGIN, dwh.PLUGIN)
}
