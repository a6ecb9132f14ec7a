"""Every partner ketenbus knows, by id.

Adding a partner means writing its folder under ``connectors/<partner>/``, exporting a
``PLUGIN`` (``connectors.plugin.PartnerPlugin``), and listing it here; nothing in the
router changes (docs/adding-a-partner.md).
"""

from __future__ import annotations

from connectors import gulpdal, heuvelland, maasdal, roerdal
from connectors.plugin import PartnerPlugin

PARTNERS: dict[str, PartnerPlugin] = {
    plugin.id: plugin
    for plugin in (maasdal.PLUGIN, heuvelland.PLUGIN, gulpdal.PLUGIN, roerdal.PLUGIN)
}


def partners() -> dict[str, PartnerPlugin]:
    """The partner plugins by id."""
    return PARTNERS
