"""How one partner uses the file inbox: its file names, size limit, key and pre-check."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

FileKey = Callable[[str, bytes], bytes | None]
"""The Kafka key of a file's raw record, from its name and bytes; never raises."""

FileCheck = Callable[[str, bytes], str | None]
"""Why a file must be refused as a whole (it can never be translated), or None.
The reason is written next to the rejected file: no personal data in it."""


def no_check(name: str, body: bytes) -> str | None:
    return None


@dataclass(frozen=True)
class FileInboxPartner:
    """The file inbox configuration of one partner.

    ``message_key`` defaults to the partner id: all of a partner's files on one
    partition, so they are translated in the order they were taken (by name, which
    for both file partners is by time). A partner with heavy traffic could key by
    file instead and accept that files overtake each other.
    """

    partner_id: str
    name_pattern: re.Pattern[str]
    """Names the partner uses; any other file is rejected with the pattern as reason.
    Compiled with ``re.ASCII``: without it ``\\d`` also matches full-width and other
    Unicode digits (``１２``), names the partner never makes."""
    content_type: str
    max_file_bytes: int
    settle_seconds: float = 0.0
    """How long size and time must stand still before a file is taken: 0 for a partner
    that uploads as ``.part`` and renames when complete."""
    check: FileCheck = no_check
    message_key: FileKey | None = None

    def __post_init__(self) -> None:
        if not self.name_pattern.flags & re.ASCII:
            raise ValueError(
                f"the name pattern of {self.partner_id} must be compiled with re.ASCII"
            )

    def key(self, name: str, body: bytes) -> bytes | None:
        if self.message_key is None:
            return self.partner_id.encode()
        return self.message_key(name, body)
