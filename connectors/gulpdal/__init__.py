"""Gulpdal Ontstopping & Riolering: a nightly CSV export in an SFTP inbox (see docs/partners)."""

from __future__ import annotations

import asyncio
import logging
import re

from connectors.channels.file_inbox import MIB, FileInboxPartner, run_file_inbox
from connectors.gulpdal.inbound import PARTNER, check, translate
from connectors.gulpdal.settings import GulpdalSettings
from connectors.plugin import PartnerPlugin
from contracts import KafkaSettings

log = logging.getLogger(__name__)

INBOX = FileInboxPartner(
    partner_id=PARTNER,
    # re.ASCII: \d is 0-9 only, never full-width or other Unicode digits.
    name_pattern=re.compile(r"gulpdal_werkbonnen_\d{8}\.csv", re.ASCII),
    content_type="text/csv",
    max_file_bytes=10 * MIB,
    # Gulpdal's page names no .part step, and a re-run export may be written over a
    # file of the same name: a file is taken once it stood still this long.
    settle_seconds=10.0,
    check=check,
)
"""Gulpdal's use of the file inbox: its names, settling, the header pre-check."""


async def ingress(settings: GulpdalSettings, kafka: KafkaSettings, stopping: asyncio.Event) -> None:
    """Take Gulpdal's exports from its inbox until ``stopping`` is set."""
    if settings.inbox is None:
        log.info("gulpdal: no inbox configured")
        return
    await run_file_inbox(INBOX, settings.inbox, kafka, stopping)


PLUGIN = PartnerPlugin(
    id=PARTNER, inbound=translate, settings_model=GulpdalSettings, ingress=ingress
)

__all__ = ["INBOX", "PARTNER", "PLUGIN", "GulpdalSettings", "check", "ingress", "translate"]
