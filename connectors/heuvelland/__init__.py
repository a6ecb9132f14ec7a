"""Heuvelland Bouw & Onderhoud: XML batch files in an SFTP inbox (see docs/partners)."""

from __future__ import annotations

import asyncio
import logging
import re

from connectors.channels.file_inbox import MIB, FileInboxPartner, run_file_inbox
from connectors.heuvelland.inbound import PARTNER, check, translate
from connectors.heuvelland.outbound import build_outbound
from connectors.heuvelland.settings import HeuvellandSettings
from connectors.plugin import PartnerPlugin
from contracts import KafkaSettings

log = logging.getLogger(__name__)

INBOX = FileInboxPartner(
    partner_id=PARTNER,
    # re.ASCII: \d is 0-9 only, never full-width or other Unicode digits.
    name_pattern=re.compile(r"HVL_\d{14}_\d{1,6}\.xml", re.ASCII),
    content_type="application/xml",
    max_file_bytes=10 * MIB,
    settle_seconds=0.0,  # Heuvelland uploads as .part and renames when complete
    check=check,
)
"""Heuvelland's use of the file inbox: its names, 10 MiB files, the XML pre-check."""


async def ingress(
    settings: HeuvellandSettings, kafka: KafkaSettings, stopping: asyncio.Event
) -> None:
    """Take Heuvelland's files from its inbox until ``stopping`` is set."""
    if settings.inbox is None:
        log.info("heuvelland: no inbox configured")
        return
    await run_file_inbox(INBOX, settings.inbox, kafka, stopping)


PLUGIN = PartnerPlugin(
    id=PARTNER,
    inbound=translate,
    settings_model=HeuvellandSettings,
    ingress=ingress,
    outbound=build_outbound,
)

__all__ = ["INBOX", "PARTNER", "PLUGIN", "HeuvellandSettings", "check", "ingress", "translate"]
