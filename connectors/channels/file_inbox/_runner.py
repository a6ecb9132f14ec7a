"""Running one partner's inbox: hold its lease, then poll, take, wait; reconnect after a
folder failure. A process that does not hold the lease stands by (``ingress_lease.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from connectors.channels.file_inbox._errors import FolderError
from connectors.channels.file_inbox._folder import Folder, LocalFolder
from connectors.channels.file_inbox._inbox import FileInbox
from connectors.channels.file_inbox._partner import FileInboxPartner
from connectors.channels.file_inbox._settings import MIB, FileInboxSettings
from connectors.channels.file_inbox._sftp import sftp_folder
from connectors.channels.ingress_lease import ingress_lease
from connectors.channels.raw_writer import RawWriter
from contracts import KafkaSettings
from kit.kafka import clients
from kit.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

_DYNAMIC_TOPIC_CONFIG = 1  # DescribeConfigs config_source: set on the topic itself


def raw_record_limit(max_file_bytes: int) -> int:
    """The raw record size a file of ``max_file_bytes`` needs: the file plus headers."""
    return max_file_bytes + MIB


async def ensure_raw_topic(kafka: KafkaSettings, partner_id: str, max_record_bytes: int) -> None:
    """Create the partner's raw topic, or raise its record size limit to fit whole files.

    Another process (the translator) may have created the topic with the smaller
    default raw limit first; the limit is then raised, keeping the topic's other
    settings (AlterConfigs replaces the whole set, so they are read first).
    """
    topic = kafka.topics.raw(partner_id)
    wanted = {"max.message.bytes": str(max_record_bytes)}
    await ensure_topics(kafka, [topic], wanted)
    admin = clients.admin(kafka)
    await admin.start()
    try:
        (response,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic)]
        )
        entries = response.resources[0][4]
        current = {
            name: value
            for name, value, _read_only, source, sensitive, *_ in entries
            if source == _DYNAMIC_TOPIC_CONFIG and not sensitive and value is not None
        }
        if int(current.get("max.message.bytes", "0")) >= max_record_bytes:
            return
        log.info("raising max.message.bytes of %s to %d", topic, max_record_bytes)
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {**current, **wanted})]
        )
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def open_folder(settings: FileInboxSettings) -> AsyncIterator[Folder]:
    """The inbox's folder: local, or an SFTP session when ``sftp`` is configured."""
    if settings.sftp is None:
        yield LocalFolder()
        return
    async with sftp_folder(settings.sftp) as folder:
        yield folder


async def run_file_inbox(
    partner: FileInboxPartner,
    settings: FileInboxSettings,
    kafka: KafkaSettings,
    stopping: asyncio.Event,
) -> None:
    """Take the partner's files until ``stopping`` is set, while this process holds
    the inbox's lease; stand by while another process does.

    A folder failure (a lost SFTP connection, a full disk) is logged and the folder
    opened again after a poll interval; Kafka not answering leaves the files in the
    inbox for the next poll. Neither ends the loop. The inbox (and its watch of the
    files it moved) lives as long as the process, across the lease's sessions.
    """
    limit = raw_record_limit(settings.max_file_bytes or partner.max_file_bytes)
    await ensure_raw_topic(kafka, partner.partner_id, limit)
    writer = RawWriter(kafka, max_record_bytes=limit)
    lease = ingress_lease(kafka, partner.partner_id, f"{partner.partner_id} inbox")
    inbox = FileInbox(partner, settings, writer, holding=lease.confirm)

    async def session(ended: asyncio.Event) -> None:
        """One spell of holding the lease: ends between two files once ``ended`` is set."""
        while not ended.is_set():
            try:
                async with open_folder(settings) as folder:
                    while not ended.is_set():
                        await inbox.scan(folder, ended)
                        await _pause(ended, settings.poll_seconds)
            except FolderError as exc:
                log.warning("file inbox partner=%s folder failed: %s", partner.partner_id, exc)
                await _pause(ended, settings.poll_seconds)

    try:
        await lease.run(stopping, session)
    finally:
        await writer.stop()


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less when stopping is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
