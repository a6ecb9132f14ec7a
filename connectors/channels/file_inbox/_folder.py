"""The few folder operations an inbox needs, on a local disk (here) or over SFTP.

The inbox logic (``_inbox.py``) speaks only this protocol, so the same code, with the
same guarantees, runs beside the SFTP server (a local folder) or elsewhere (SFTP).
Paths are POSIX strings; every failure is a :class:`FolderError`.
"""

from __future__ import annotations

import asyncio
import errno
import os
import posixpath
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from connectors.channels.file_inbox._errors import FolderError
from connectors.channels.file_inbox._writers import open_for_writing

P = ParamSpec("P")
T = TypeVar("T")


FILE = "file"
"""The one kind of entry an inbox takes: a regular file. The others are rejected unread."""

_KINDS = {
    stat.S_IFREG: FILE,
    stat.S_IFDIR: "directory",
    stat.S_IFLNK: "symlink",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "device",
    stat.S_IFBLK: "device",
}


def kind_of(mode: int | None) -> str:
    """``file``, ``directory``, ``symlink``, ``fifo``, ``socket``, ``device`` or
    ``unknown``, from an ``lstat`` mode (None: the server did not tell)."""
    return "unknown" if mode is None else _KINDS.get(stat.S_IFMT(mode), "unknown")


@dataclass(frozen=True)
class Entry:
    """An entry of a folder, as listed (``lstat``: a symlink is itself, not its target)."""

    name: str
    size: int
    mtime: float
    kind: str = FILE

    @property
    def shape(self) -> tuple[int, float, str]:
        """What must stay the same while a file is taken: size, time and kind."""
        return (self.size, self.mtime, self.kind)


class Folder(Protocol):
    async def list_entries(self, directory: str) -> list[Entry]:
        """Every entry directly in ``directory`` (not ``.`` and ``..``), of any kind,
        as ``lstat`` sees it: nothing is followed or opened."""
        ...

    async def stat(self, path: str) -> Entry | None:
        """``path`` as ``lstat`` sees it now, or None if nothing is there."""
        ...

    async def writing(self, path: str) -> bool:
        """True when the folder can tell that a process still has the file open for
        writing; False when it is not, or when the folder cannot tell (SFTP)."""
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
    ``see_writers=False`` stands for a ketenbus that may not read the uploader's
    /proc entries (another user): :meth:`writing` then never sees a writer.
    """

    def __init__(self, *, see_writers: bool = True) -> None:
        self.see_writers = see_writers

    async def list_entries(self, directory: str) -> list[Entry]:
        return await _in_thread(_list_local, directory)

    async def stat(self, path: str) -> Entry | None:
        return await _in_thread(_stat_local, path)

    async def writing(self, path: str) -> bool:
        return self.see_writers and await _in_thread(open_for_writing, path)

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
        # The error's text only, never its file name: names are the partner's, and a
        # log line shows them quoted (by the caller), never raw.
        what = exc.strerror or type(exc).__name__
        raise FolderError(f"{function.__name__.strip('_')} failed: {what}") from exc


def _list_local(directory: str) -> list[Entry]:
    with os.scandir(directory) as listing:
        return [_entry(item.name, item.stat(follow_symlinks=False)) for item in listing]


def _stat_local(path: str) -> Entry | None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return _entry(posixpath.basename(path), info)


def _entry(name: str, info: os.stat_result) -> Entry:
    return Entry(name, info.st_size, info.st_mtime, kind_of(info.st_mode))


def _read_local(path: str, limit: int) -> bytes:
    # O_NOFOLLOW: a symlink swapped in after listing is not followed out of the inbox;
    # O_NONBLOCK: a FIFO swapped in does not block the open (it is refused below).
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
    descriptor = os.open(path, flags)
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
    # Only the holder of the inbox's lease writes into processed/ and rejected/, so
    # checking first is enough to never replace a file there (rename itself would).
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, "the target exists")
    os.rename(source, target)
