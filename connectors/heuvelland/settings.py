"""Heuvelland's settings: ``[partners.heuvelland]`` in the configuration."""

from __future__ import annotations

from pydantic import Field

from connectors.channels.file_inbox import FileInboxSettings
from connectors.registry import PartnerSettings


class HeuvellandSettings(PartnerSettings):
    inbox: FileInboxSettings | None = Field(
        default=None,
        description="Heuvelland's SFTP inbox folder ([partners.heuvelland.inbox]); "
        "without it, `ketenbus ingress` does not read Heuvelland's files.",
    )
