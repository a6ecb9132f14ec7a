"""A real SFTP server on loopback (asyncssh's, rooted in a temp dir) for the inbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from connectors.channels.file_inbox import FileInboxSettings, SftpSettings


@dataclass
class SftpServer:
    root: Path
    port: int
    settings: SftpSettings
    host_key: asyncssh.SSHKey
    client_key: asyncssh.SSHKey
    server: asyncssh.SSHAcceptor | None = None

    async def start(self) -> None:
        authorized = asyncssh.import_authorized_keys(self.client_key.export_public_key().decode())
        self.server = await asyncssh.listen(
            "127.0.0.1",
            self.port,
            server_host_keys=[self.host_key],
            authorized_client_keys=authorized,
            sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=str(self.root)),
            reuse_address=True,
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None


@pytest.fixture
def inbox_dir(tmp_path: Path) -> Path:
    """A local Heuvelland inbox (``<tmp>/heuvelland/inbox``); processed/ and rejected/
    become its siblings."""
    path = tmp_path / "heuvelland" / "inbox"
    path.mkdir(parents=True)
    return path


@pytest.fixture
async def sftp(tmp_path: Path) -> AsyncIterator[SftpServer]:
    root = tmp_path / "sftp-root"
    (root / "heuvelland" / "inbox").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_file))
    server = SftpServer(root, 0, None, host_key, client_key)  # type: ignore[arg-type]
    await server.start()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{server.port} {host_key.export_public_key().decode()}")
    server.settings = SftpSettings(
        host="127.0.0.1",
        port=server.port,
        username="heuvelland-pull",
        known_hosts=known_hosts,
        private_key=key_file,
    )
    yield server
    await server.stop()


def settings_for(sftp: SftpServer, **more) -> FileInboxSettings:
    return FileInboxSettings(path="/heuvelland/inbox", sftp=sftp.settings, **more)
