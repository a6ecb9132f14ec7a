"""The few folder operations an inbox needs, on a local disk (here) or over SFTP.

The inbox logic (``_inbox.py``) speaks only this protocol, so the same code, with the
same guarantees, runs beside the SFTP server (a local folder) or elsewhere (SFTP).
Paths are POSIX strings; every failure is a :class:`FolderError`.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from connectors.channels.file_inbox._errors import FolderError

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """A regular file in a folder, as listed."""

    name: str
    size: int
    mtime: float


class Folder(Protocol):
    async def list_files(self, directory: str) -> list[Entry]:
        """The regular files directly in ``directory`` (no folders, no symlinks)."""
        ...

    async def read(self, path: str, limit: int) -> bytes:
        """The file's bytes, at most ``limit`` of them (a caller that sees ``limit``
        bytes knows the file grew beyond what it listed)."""
        ...

    async def exists(self, path: str) -> bool: ...

    async def write_text(self, path: str, text: str) -> None:
        """Write a small UTF-8 file whole: to a temporary name first, then renamed."""
        ...

    async def rename(self, source: str, target: str) -> None:
        """Move a file within the server; ``target`` must not exist (callers check)."""
        ...

    async def makedirs(self, directory: str) -> None: ...


class LocalFolder:
    """A :class:`Folder` on this machine's disk (the inbox beside the SFTP server).

    The blocking calls run in a thread so a slow disk never stalls the event loop.
    """

    async def list_files(self, directory: str) -> list[Entry]:
        return await _in_thread(_list_local, directory)

    async def read(self, path: str, limit: int) -> bytes:
        return await _in_thread(_read_local, path, limit)

    async def exists(self, path: str) -> bool:
        return await _in_thread(os.path.lexists, path)

    async def write_text(self, path: str, text: str) -> None:
        await _in_thread(_write_local, path, text)

    async def rename(self, source: str, target: str) -> None:
        await _in_thread(_rename_local, source, target)

    async def makedirs(self, directory: str) -> None:
        await _in_thread(os.makedirs, directory, exist_ok=True)


async def _in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except OSError as exc:
        raise FolderError(f"{function.__name__.strip('_')} failed: {exc.strerror or exc}") from exc


def _list_local(directory: str) -> list[Entry]:
    entries = []
    with os.scandir(directory) as listing:
        for item in listing:
            if not item.is_file(follow_symlinks=False):
                continue  # folders, symlinks, sockets: never taken
            info = item.stat(follow_symlinks=False)
            entries.append(Entry(item.name, info.st_size, info.st_mtime))
    return entries


def _read_local(path: str, limit: int) -> bytes:
    # O_NOFOLLOW: a symlink swapped in after listing is not followed out of the inbox.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError("not a regular file")
        return handle.read(limit)


def _write_local(path: str, text: str) -> None:
    temporary = posixpath.join(posixpath.dirname(path), f".{uuid.uuid4().hex}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _rename_local(source: str, target: str) -> None:
    # One ingress per inbox writes into processed/ and rejected/, so checking first is
    # enough to never replace a file there (rename itself would).
    if os.path.lexists(target):
        raise FileExistsError(target)
    os.rename(source, target)
