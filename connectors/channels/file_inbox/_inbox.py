"""Taking files from a partner's inbox folder: each file stored once, then moved out.

Not taken, but rejected unread with a reason: what is not a regular file (a symlink,
a FIFO, a directory: moved as it is, never followed or opened) and ``..`` names. Never
read: ``.part`` and other ``.`` names (uploads in progress). Every other file, in name
order, once it stood still for ``settle_seconds`` and no process is seen writing it:

1. checks that need no reading: size limit, the partner's name pattern, not empty;
2. read it, check that its size and time did not change meanwhile, and take its
   SHA-256; if ``processed/.sha256/<digest>`` exists, the same content was stored
   before (a re-upload, or a crash after storing): moved to ``processed/`` without
   storing it again;
3. the partner's pre-check (can it be read at all?); a refusal goes to ``rejected/``;
4. the original bytes go to ``keten.raw.<partner>`` (one record, acks=all);
5. the marker ``processed/.sha256/<digest>`` is written; the file is looked at once
   more (changed: it stays, CHANGED, and is taken again once it stands still), then a
   reason file, then the file is renamed into ``processed/``;
6. for ``watch_seconds`` after, a file that changes where it was moved to (a writer
   that was not done) is put back into the inbox and so taken again, whole.

Only the holder of the inbox's lease acts (``ketenbus ingress`` runs the inbox as a
session of its lease, ``_runner.py``): before it stores a file and before it moves
one, it confirms with Kafka that it still holds it, so a process that lost the lease
while it was paused (a zombie) leaves the inbox to the one that holds it now.

A crash anywhere leaves the file in the inbox until step 5's rename, so it is taken
again: before step 4 nothing happened yet; between 4 and the marker it is stored a
second time (same bytes, so the same event ids: no new effect downstream); after the
marker it is recognised in step 2. File names are the partner's: every log line and
reason file shows them quoted (``repr``), so a newline in one cannot forge a line.
See docs/channels/file-inbox.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import posixpath
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from connectors.channels.errors import RawStoreError
from connectors.channels.file_inbox._folder import FILE, Entry, Folder
from connectors.channels.file_inbox._partner import FileInboxPartner
from connectors.channels.file_inbox._settings import FileInboxSettings
from connectors.channels.ingress_lease import always_holding
from connectors.channels.raw_writer import RecordLocation
from contracts import RawMessage

log = logging.getLogger(__name__)

CHANNEL = "file"
PART_SUFFIX = ".part"
MARKERS = ".sha256"
REASON_SUFFIX = ".reason.txt"
SHA256_HEADER = "kb_content_sha256"


class Outcome(StrEnum):
    STORED = "stored"  # on the raw topic, moved to processed/
    DUPLICATE = "duplicate"  # the same content was stored before; moved to processed/
    REJECTED = "rejected"  # never stored; moved to rejected/ with the reason
    WAITING = "waiting"  # still being written (not settled); looked at again next poll
    CHANGED = "changed"  # changed after it was read: stays in (or is put back into) the
    # inbox and is taken again, as it is then, once it stands still
    FAILED = "failed"  # Kafka or the folder failed; stays in the inbox, tried next poll
    STANDBY = "standby"  # this process no longer holds the inbox's lease: left in the
    # inbox (stored, if it was, with its marker) for the process that holds it now
    GONE = "gone"  # left the inbox while it was being taken (ops, or another process
    # moved it): nothing moved, no reason written


DOTDOT = "name starts with '..': not read"
NOT_A_FILE = {
    "symlink": "a symbolic link: moved as it is, never followed",
    "fifo": "a FIFO (named pipe): moved as it is, never opened",
    "directory": "a directory: moved as it is, never read",
    "socket": "a socket: moved as it is, never opened",
    "device": "a device file: moved as it is, never opened",
    "unknown": "the folder does not tell what this is: moved as it is, never read",
}
"""Why an entry that is not a regular file is rejected. ``rename`` moves the entry
itself (the link, not its target; the FIFO node; the folder with what is in it)."""


@dataclass(frozen=True)
class FileResult:
    name: str
    outcome: Outcome
    reason: str = ""
    location: RecordLocation | None = None
    moved_to: str | None = None


@dataclass(frozen=True)
class _Taken:
    """A file moved out of the inbox, watched in case its writer was not done."""

    name: str  # its name in the inbox
    shape: tuple[int, float, str]  # size, time and kind when it was read
    until: float  # on the inbox's clock


class RawStore(Protocol):
    async def write(self, message: RawMessage) -> RecordLocation: ...


class FileInbox:
    """One partner's inbox: :meth:`scan` takes every complete file once."""

    def __init__(
        self,
        partner: FileInboxPartner,
        settings: FileInboxSettings,
        store: RawStore,
        *,
        clock: Callable[[], float] = time.monotonic,
        holding: Callable[[], Awaitable[bool]] = always_holding,
    ) -> None:
        self.partner = partner
        self.settings = settings
        self._store = store
        self._clock = clock
        self._holding = holding
        self.max_file_bytes = settings.max_file_bytes or partner.max_file_bytes
        self._settle = (
            partner.settle_seconds if settings.settle_seconds is None else settings.settle_seconds
        )
        self._seen: dict[str, tuple[int, float, float]] = {}
        self._taken: dict[str, _Taken] = {}  # by the path it was moved to

    @property
    def inbox(self) -> str:
        return self.settings.path

    async def scan(self, folder: Folder, stopping: asyncio.Event | None = None) -> list[FileResult]:
        """Look at the inbox once and deal with every complete file in it.

        First the files taken in the last ``watch_seconds``: one that changed since
        (its writer was not done) is put back into the inbox, to be taken again.
        Raises :class:`FolderError` when the folder fails (the caller reconnects);
        stops early, with a FAILED result, when Kafka does not acknowledge, with a
        STANDBY result when this process no longer holds the inbox's lease, and
        before the next file once ``stopping`` is set (the lease is being handed over).
        """
        for directory in (
            self.settings.processed_dir,
            self.settings.rejected_dir,
            self._markers(),
        ):
            await folder.makedirs(directory)
        results = await self._recheck_taken(folder)
        entries = sorted(await folder.list_entries(self.inbox), key=lambda entry: entry.name)
        names = {entry.name for entry in entries}
        self._seen = {name: seen for name, seen in self._seen.items() if name in names}
        for entry in entries:
            if stopping is not None and stopping.is_set():
                break  # between two files: the next holder starts where this one stopped
            result = await self._look_at(folder, entry)
            if result is None:
                continue
            if result.outcome is not Outcome.WAITING:
                self._log(result, entry)
            results.append(result)
            if result.outcome in (Outcome.FAILED, Outcome.STANDBY):
                break  # Kafka is not answering, or another process holds the inbox now
        return results

    async def _look_at(self, folder: Folder, entry: Entry) -> FileResult | None:
        name = entry.name
        if name.startswith(".."):
            return await self._reject(folder, entry, DOTDOT)
        if entry.kind != FILE:  # whatever its name: a link or FIFO named .part too
            return await self._reject(
                folder, entry, NOT_A_FILE.get(entry.kind, NOT_A_FILE["unknown"])
            )
        if name.startswith(".") or name.lower().endswith(PART_SUFFIX):
            return None  # an upload in progress (a .part, an upload tool's .temporary)
        if not self._settled(entry):
            return FileResult(name, Outcome.WAITING, "not settled yet")
        if await folder.writing(self._path(name)):
            return FileResult(name, Outcome.WAITING, "open for writing by another process")
        return await self._take(folder, entry)

    def _settled(self, entry: Entry) -> bool:
        if self._settle <= 0:
            return True
        now = self._clock()
        seen = self._seen.get(entry.name)
        if seen is None or seen[:2] != (entry.size, entry.mtime):
            self._seen[entry.name] = (entry.size, entry.mtime, now)
            return False
        return now - seen[2] >= self._settle

    async def _take(self, folder: Folder, entry: Entry) -> FileResult:
        name = entry.name
        limit = self.max_file_bytes
        if entry.size > limit:
            return await self._reject(folder, entry, f"larger than {limit} bytes: not read")
        if not self.partner.name_pattern.fullmatch(name):
            return await self._reject(
                folder, entry, f"name does not match {self.partner.name_pattern.pattern}"
            )
        if entry.size == 0:
            return await self._reject(folder, entry, "empty file")
        body = await folder.read(self._path(name), limit + 1)
        if len(body) > limit:
            return await self._reject(folder, entry, f"larger than {limit} bytes: not stored")
        after = await folder.stat(self._path(name))
        if len(body) != entry.size or after is None or after.shape != entry.shape:
            self._seen.pop(name, None)
            return FileResult(name, Outcome.WAITING, "changed while being read")
        digest = hashlib.sha256(body).hexdigest()
        marker = posixpath.join(self._markers(), digest)
        if await folder.exists(marker):
            earlier = (await folder.read(marker, 4096)).decode("utf-8", "replace")
            return await self._move(
                folder,
                entry,
                Outcome.DUPLICATE,
                "the same content was stored before: not stored again\n"
                + _indent("first stored", earlier),
                digest,
            )
        refusal = self._check(name, body)
        if refusal is not None:
            return await self._reject(folder, entry, refusal, digest)
        if not await self._holding():
            return FileResult(name, Outcome.STANDBY, "this process no longer holds the inbox")
        try:
            location = await self._store.write(self._raw(name, body, digest))
        except RawStoreError as exc:
            return FileResult(name, Outcome.FAILED, f"not stored, stays in the inbox: {exc}")
        stored = (
            f"file: {name!r}\nsha256: {digest}\nraw record: {location.topic} "
            f"partition {location.partition} offset {location.offset}\nstored at: {_now()}\n"
        )
        await folder.write_text(marker, stored)
        return await self._move(
            folder, entry, Outcome.STORED, "stored on Kafka", digest, location=location
        )

    def _raw(self, name: str, body: bytes, digest: str) -> RawMessage:
        return RawMessage(
            partner=self.partner.partner_id,
            channel=CHANNEL,
            body=body,
            received_at=datetime.now(UTC),
            content_type=self.partner.content_type,
            origin=name,
            key=self._key(name, body),
            extra_headers=((SHA256_HEADER, digest.encode()),),
        )

    def _key(self, name: str, body: bytes) -> bytes | None:
        try:
            return self.partner.key(name, body)
        except Exception as exc:  # a key bug must not keep a file from being stored
            log.error("file inbox partner=%s key failed: %s", self.partner.partner_id, type(exc))
            return None

    def _check(self, name: str, body: bytes) -> str | None:
        try:
            return self.partner.check(name, body)
        except Exception as exc:  # a bug in a pre-check must not reject a file: store it
            log.error("file inbox partner=%s check failed: %s", self.partner.partner_id, type(exc))
            return None

    async def _reject(
        self, folder: Folder, entry: Entry, reason: str, digest: str | None = None
    ) -> FileResult:
        return await self._move(folder, entry, Outcome.REJECTED, reason, digest)

    async def _move(
        self,
        folder: Folder,
        entry: Entry,
        outcome: Outcome,
        reason: str,
        digest: str | None,
        *,
        location: RecordLocation | None = None,
    ) -> FileResult:
        """Write the reason, then move the file out of the inbox under a free name.

        Just before, the file is looked at once more: one that changed since it was
        listed and read (a writer that woke up) stays in the inbox, to be taken again
        as it is then; what was stored of it stays stored (the same rows give the same
        event ids again). After the move it is watched (see :meth:`_recheck_taken`).
        """
        name = entry.name
        source = self._path(name)
        now = await folder.stat(source)
        if now is None:
            return FileResult(
                name, Outcome.GONE, "left the inbox while it was taken", location=location
            )
        if now.shape != entry.shape:
            self._seen.pop(name, None)
            return FileResult(
                name,
                Outcome.CHANGED,
                "changed after it was read: stays in the inbox, taken again once it stands still",
                location=location,
            )
        if not await self._holding():
            # Stored (with its marker) or not: the holder finds it and moves it.
            return FileResult(
                name,
                Outcome.STANDBY,
                "this process no longer holds the inbox: left for the one that does",
                location=location,
            )
        directory = (
            self.settings.rejected_dir
            if outcome is Outcome.REJECTED
            else self.settings.processed_dir
        )
        target = await _free_name(folder, directory, name)
        lines = [f"outcome: {outcome.value}", f"reason: {reason}", f"file: {name!r}"]
        if digest is not None:
            lines.append(f"sha256: {digest}")
        if location is not None:
            lines.append(
                f"raw record: {location.topic} partition {location.partition} "
                f"offset {location.offset}"
            )
        lines.append(f"at: {_now()}")
        await folder.write_text(target + REASON_SUFFIX, "\n".join(lines) + "\n")
        await folder.rename(source, target)
        if self.settings.watch_seconds > 0:
            self._taken[target] = _Taken(
                name, entry.shape, self._clock() + self.settings.watch_seconds
            )
        return FileResult(name, outcome, reason, location=location, moved_to=target)

    async def _recheck_taken(self, folder: Folder) -> list[FileResult]:
        """Put a file taken earlier back into the inbox if it changed since.

        A writer that stalled longer than ``settle_seconds`` and could not be seen goes
        on writing into the file after it was moved (a rename keeps open handles): its
        rows would land in ``processed/`` unstored. Such a file goes back into the
        inbox under its own name and is taken again, whole, once it stands still.
        """
        results: list[FileResult] = []
        now = self._clock()
        for target, taken in list(self._taken.items()):
            if now >= taken.until:
                del self._taken[target]  # watched long enough: a later change is ops' own
                continue
            current = await folder.stat(target)
            if current is None:
                del self._taken[target]  # ops moved or removed it
                continue
            if current.shape == taken.shape:
                continue
            back = self._path(taken.name)
            if await folder.exists(back):
                continue  # a new upload of that name first; put back once it is taken
            if not await self._holding():
                break  # the holder of the inbox's lease does this now (its own watch)
            reason = "changed after it was taken: put back into the inbox, taken again"
            await folder.write_text(
                target + REASON_SUFFIX,
                f"outcome: {Outcome.CHANGED.value}\nreason: {reason}\n"
                f"file: {taken.name!r}\nat: {_now()}\n",
            )
            await folder.rename(target, back)
            del self._taken[target]
            result = FileResult(taken.name, Outcome.CHANGED, reason, moved_to=back)
            self._log(result, current)
            results.append(result)
        return results

    def _path(self, name: str) -> str:
        return posixpath.join(self.inbox, name)

    def _markers(self) -> str:
        return posixpath.join(self.settings.processed_dir, MARKERS)

    def _log(self, result: FileResult, entry: Entry) -> None:
        where = ""
        if result.location is not None:
            where = (
                f" topic={result.location.topic} partition={result.location.partition}"
                f" offset={result.location.offset}"
            )
        level = (
            logging.WARNING
            if result.outcome
            in (Outcome.REJECTED, Outcome.CHANGED, Outcome.FAILED, Outcome.STANDBY, Outcome.GONE)
            else logging.INFO
        )
        log.log(
            level,
            # %r: a file name is the partner's; quoted, a newline in it cannot forge a line
            "file inbox partner=%s file=%r bytes=%d outcome=%s%s",
            self.partner.partner_id,
            result.name,
            entry.size,
            result.outcome.value,
            where,
        )


async def _free_name(folder: Folder, directory: str, name: str) -> str:
    """``directory/name``, or ``name`` with ``.2``, ``.3``... before its extension."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    for number in range(1, 10_000):
        candidate = name if number == 1 else f"{stem}.{number}{dot}{extension}"
        path = posixpath.join(directory, candidate)
        if not await folder.exists(path):
            return path
    raise RuntimeError(f"no free name for {name!r} in {directory}")


def _indent(title: str, text: str) -> str:
    return f"{title}:\n" + "".join(f"  {line}\n" for line in text.strip().splitlines())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
