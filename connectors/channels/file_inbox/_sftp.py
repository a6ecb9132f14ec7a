"""The inbox over SFTP (asyncssh), for a ketenbus that does not run beside the server.

The server's host key is always checked against a known_hosts file: an inbox that
would accept any server would hand partner files (and the right to move them) to
whoever sits in between. Authentication is by a private key file or a password.
"""

from __future__ import annotations

import contextlib
import posixpath
import stat
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncssh
from pydantic import Field, SecretStr

from connectors.channels.file_inbox._errors import FolderError
from connectors.channels.file_inbox._folder import FILE, Entry, kind_of
from contracts.settings import Missing, SettingsModel

_FAILURES = (asyncssh.Error, asyncssh.SFTPError, OSError, TimeoutError, EOFError)


class SftpSettings(SettingsModel):
    """Where the partner's SFTP folders are and how to log in (``[partners.<id>.inbox.sftp]``)."""

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    username: str
    known_hosts: Path = Field(description="known_hosts file with the server's host key.")
    private_key: Path | None = Field(default=None, description="Private key file to log in.")
    password: SecretStr | None = Field(
        default=None,
        description="Password to log in, if no key; "
        "KETENBUS_PARTNERS__<ID>__INBOX__SFTP__PASSWORD.",
    )
    connect_timeout_seconds: float = Field(default=10.0, gt=0)

    def missing(self, process: str) -> list[Missing]:
        # The password comes from the environment of the ingress process only, so the
        # translator reading the same [partners.<id>] section does not need it.
        if process == "ingress" and self.private_key is None and self.password is None:
            return [Missing("password", "unless private_key is set")]
        return []


@contextlib.asynccontextmanager
async def sftp_folder(settings: SftpSettings) -> AsyncIterator[SftpFolder]:
    """An SFTP session as a :class:`~connectors.channels.file_inbox.Folder`."""
    try:
        connection = await asyncssh.connect(
            settings.host,
            settings.port,
            username=settings.username,
            known_hosts=str(settings.known_hosts),
            client_keys=[str(settings.private_key)] if settings.private_key else None,
            password=settings.password.get_secret_value() if settings.password else None,
            connect_timeout=settings.connect_timeout_seconds,
            agent_path=None,
            config=None,
        )
    except _FAILURES as exc:
        raise FolderError(f"SFTP connect to {settings.host} failed: {type(exc).__name__}") from exc
    try:
        try:
            client = await connection.start_sftp_client()
        except _FAILURES as exc:
            raise FolderError(f"SFTP session failed: {type(exc).__name__}") from exc
        async with client:
            yield SftpFolder(client)
    finally:
        connection.close()
        with contextlib.suppress(*_FAILURES):
            await connection.wait_closed()


class SftpFolder:
    """A :class:`~connectors.channels.file_inbox.Folder` on an SFTP server."""

    def __init__(self, client: asyncssh.SFTPClient) -> None:
        self._client = client

    async def list_entries(self, directory: str) -> list[Entry]:
        try:
            names = await self._client.readdir(directory)
        except _FAILURES as exc:
            raise _failed("list", exc) from exc
        return [
            _entry(name.filename, name.attrs)
            for name in names
            if isinstance(name.filename, str) and name.filename not in (".", "..")
        ]

    async def stat(self, path: str) -> Entry | None:
        try:
            attrs = await self._client.lstat(path)
        except asyncssh.SFTPNoSuchFile:
            return None
        except _FAILURES as exc:
            raise _failed("stat", exc) from exc
        return _entry(posixpath.basename(path), attrs)

    async def writing(self, path: str) -> bool:
        return False  # SFTP tells nothing about other sessions' open handles

    async def read(self, path: str, limit: int) -> bytes:
        try:
            async with self._client.open(path, "rb", encoding=None) as handle:
                # The server opens by path and follows a symlink swapped in after the
                # listing: what was opened must still be a regular file.
                if kind_of((await handle.stat()).permissions) != FILE:
                    raise FolderError("SFTP read failed: not a regular file")
                data = await handle.read(limit)
        except _FAILURES as exc:
            raise _failed("read", exc) from exc
        assert isinstance(data, bytes)  # binary mode, no encoding
        return data

    async def exists(self, path: str) -> bool:
        try:
            return await self._client.lexists(path)
        except _FAILURES as exc:
            raise _failed("stat", exc) from exc

    async def write_text(self, path: str, text: str) -> None:
        temporary = posixpath.join(posixpath.dirname(path), f".{uuid.uuid4().hex}.tmp")
        try:
            async with self._client.open(temporary, "wb", encoding=None) as handle:
                await handle.write(text.encode("utf-8"))
            if await self._client.lexists(path):
                await self._client.remove(path)
            await self._client.rename(temporary, path)
        except _FAILURES as exc:
            raise _failed("write", exc) from exc

    async def rename(self, source: str, target: str) -> None:
        try:
            # SFTP rename refuses an existing target on OpenSSH but not on every server:
            # check first (only the holder of the inbox's lease writes there).
            if await self._client.lexists(target):
                raise FolderError(f"SFTP rename failed: {posixpath.basename(target)!r} exists")
            await self._client.rename(source, target)
        except _FAILURES as exc:
            raise _failed("rename", exc) from exc

    async def makedirs(self, directory: str) -> None:
        try:
            await self._client.makedirs(directory, exist_ok=True)
        except _FAILURES as exc:
            raise _failed("mkdir", exc) from exc


def _entry(name: str, attrs: asyncssh.SFTPAttrs) -> Entry:
    mode = attrs.permissions
    if mode is None or not stat.S_IFMT(mode):
        mode = _TYPES.get(attrs.type)  # a server that sends the type, not the mode bits
    return Entry(name, attrs.size or 0, float(attrs.mtime or 0), kind_of(mode))


_TYPES = {
    asyncssh.FILEXFER_TYPE_REGULAR: stat.S_IFREG,
    asyncssh.FILEXFER_TYPE_DIRECTORY: stat.S_IFDIR,
    asyncssh.FILEXFER_TYPE_SYMLINK: stat.S_IFLNK,
    asyncssh.FILEXFER_TYPE_SOCKET: stat.S_IFSOCK,
    asyncssh.FILEXFER_TYPE_CHAR_DEVICE: stat.S_IFCHR,
    asyncssh.FILEXFER_TYPE_BLOCK_DEVICE: stat.S_IFBLK,
    asyncssh.FILEXFER_TYPE_FIFO: stat.S_IFIFO,
}


def _failed(operation: str, exc: BaseException) -> FolderError:
    reason = getattr(exc, "reason", "") or type(exc).__name__
    # The server's own text, quoted: it may echo a partner's file name.
    return FolderError(f"SFTP {operation} failed: {str(reason)[:120]!r}")
