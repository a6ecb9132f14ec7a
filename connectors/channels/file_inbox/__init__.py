r"""File inbox ingress: partners upload files to an SFTP server; ketenbus takes each once.

    partner = FileInboxPartner("heuvelland", re.compile(r"HVL_\d+\.xml", re.ASCII),
                               "application/xml", max_file_bytes=10 * MIB,
                               check=heuvelland.check)
    await run_file_inbox(partner, FileInboxSettings(path="/srv/sftp/heuvelland/inbox"),
                         kafka, stopping)

The folder is read on this machine's disk or, with ``sftp`` settings, over SFTP. See
docs/channels/file-inbox.md for the guarantees and what happens on each fault.
"""

from connectors.channels.file_inbox._errors import FolderError
from connectors.channels.file_inbox._folder import FILE, Entry, Folder, LocalFolder, kind_of
from connectors.channels.file_inbox._inbox import (
    CHANNEL,
    DOTDOT,
    MARKERS,
    NOT_A_FILE,
    PART_SUFFIX,
    REASON_SUFFIX,
    SHA256_HEADER,
    FileInbox,
    FileResult,
    Outcome,
)
from connectors.channels.file_inbox._partner import FileCheck, FileInboxPartner, FileKey, no_check
from connectors.channels.file_inbox._runner import (
    ensure_raw_topic,
    open_folder,
    raw_record_limit,
    run_file_inbox,
)
from connectors.channels.file_inbox._settings import MIB, FileInboxSettings
from connectors.channels.file_inbox._sftp import SftpFolder, SftpSettings, sftp_folder

__all__ = [
    "CHANNEL",
    "DOTDOT",
    "FILE",
    "MARKERS",
    "MIB",
    "NOT_A_FILE",
    "PART_SUFFIX",
    "REASON_SUFFIX",
    "SHA256_HEADER",
    "Entry",
    "FileCheck",
    "FileInbox",
    "FileInboxPartner",
    "FileInboxSettings",
    "FileKey",
    "FileResult",
    "Folder",
    "FolderError",
    "LocalFolder",
    "Outcome",
    "SftpFolder",
    "SftpSettings",
    "ensure_raw_topic",
    "kind_of",
    "no_check",
    "open_folder",
    "raw_record_limit",
    "run_file_inbox",
    "sftp_folder",
]
