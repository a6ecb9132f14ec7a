"""Gulpdal's settings: ``[partners.gulpdal]`` in the configuration."""

from __future__ import annotations

from pydantic import Field

from connectors.channels.file_inbox import FileInboxSettings
from connectors.plugin import PartnerSettings


class GulpdalSettings(PartnerSettings):
    inbox: FileInboxSettings | None = Field(
        default=None,
        description="Gulpdal's SFTP inbox folder ([partners.gulpdal.inbox]); "
        "without it, `ketenbus ingress` does not read Gulpdal's exports.",
    )
