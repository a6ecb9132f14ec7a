"""Heuvelland's settings: ``[partners.heuvelland]`` in the configuration."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from connectors.channels.file_inbox import FileInboxSettings
from connectors.plugin import PartnerSettings
from kit.delivery.retry import RetryPolicy


class HeuvellandSettings(PartnerSettings):
    inbox: FileInboxSettings | None = Field(
        default=None,
        description="Heuvelland's SFTP inbox folder ([partners.heuvelland.inbox]); "
        "without it, `ketenbus ingress` does not read Heuvelland's files.",
    )
    outbox_dir: Path | None = Field(
        default=None,
        description="Heuvelland's SFTP outbox folder: new work orders are written there as "
        "WL_<opdrachtnummer>.xml; without it, `ketenbus outbound` sends Heuvelland nothing.",
    )
    outbound_retry: RetryPolicy = Field(
        default=RetryPolicy(), description="Retries when the outbox cannot be written."
    )
