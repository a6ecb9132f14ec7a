"""How one partner's inbox is configured (``[partners.<id>.inbox]``)."""

from __future__ import annotations

import posixpath

from pydantic import Field

from connectors.channels.file_inbox._sftp import SftpSettings
from contracts.settings import SettingsModel

MIB = 1024 * 1024


class FileInboxSettings(SettingsModel):
    """One partner's inbox folder, on this machine's disk or (with ``sftp``) on a server.

    ``processed`` and ``rejected`` default to folders of those names beside the inbox.
    """

    path: str = Field(description="The inbox folder (on the SFTP server when sftp is set).")
    processed: str | None = Field(default=None, description="Default: <path>/../processed.")
    rejected: str | None = Field(default=None, description="Default: <path>/../rejected.")
    sftp: SftpSettings | None = Field(
        default=None, description="Pull over SFTP instead of reading a local folder."
    )
    poll_seconds: float = Field(default=5.0, gt=0, description="Time between two listings.")
    settle_seconds: float | None = Field(
        default=None,
        ge=0,
        description="A file is taken once its size and time stood still this long "
        "(for uploads without .part); default: the partner's.",
    )
    watch_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="How long a file is watched after it was taken: one that changes "
        "in that time (its writer was not done) is put back into the inbox and taken "
        "again; 0: not watched.",
    )
    max_file_bytes: int | None = Field(
        default=None,
        gt=0,
        le=14 * MIB,
        description="Larger files are rejected unread; default: the partner's limit.",
    )

    @property
    def processed_dir(self) -> str:
        return self.processed or _beside(self.path, "processed")

    @property
    def rejected_dir(self) -> str:
        return self.rejected or _beside(self.path, "rejected")


def _beside(path: str, name: str) -> str:
    return posixpath.join(posixpath.dirname(posixpath.normpath(path)), name)
