"""ketenbus's processes (``route``, ``translate``) as real processes: a configuration
file, the process, its output.

For the tests that need what only a process has: a ``kill -9``, an exit code, every
line it writes at a log level.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts import KafkaSettings

KETENBUS = Path(sys.executable).parent / "ketenbus"


def toml(table: Mapping[str, Any], prefix: str = "") -> str:
    """A TOML document for plain nested tables of strings, numbers, booleans and lists
    (a JSON string or number is a TOML one)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            tables.append((f"{prefix}{key}", value))
        else:
            lines.append(f"{key} = {json.dumps(value)}")  # true/false are TOML's too
    text = "\n".join(lines) + "\n"
    for name, sub in tables:
        text += f"\n[{name}]\n" + toml(sub, f"{name}.")
    return text


def write_config(
    path: Path,
    kafka: KafkaSettings,
    destinations: Mapping[str, Any],
    partners: Mapping[str, Any] | None = None,
) -> Path:
    config = {
        "kafka": {
            "bootstrap_servers": kafka.bootstrap_servers,
            "topic_prefix": kafka.topic_prefix,
            "partitions": kafka.partitions,
        },
        "partners": partners or {},
        "destinations": destinations,
    }
    path.write_text(toml(config))
    return path


class KetenbusProcess:
    """``ketenbus --config <file> <command>`` in the background, its output in a file.

    ``async with KetenbusProcess(...) as route:`` starts it and kills it at the end if
    it still runs (a failing test leaves no process behind)."""

    def __init__(
        self, config: Path, output: Path, *, command: str = "route", log_level: str = "info"
    ) -> None:
        self.output = output
        self._command = [str(KETENBUS), "--config", str(config), "--log-level", log_level, command]
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> KetenbusProcess:
        with self.output.open("ab") as out:
            self._process = await asyncio.create_subprocess_exec(
                *self._command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # The configuration file only: the test session's KETENBUS_ variables
                # (the broker's ports) are not settings.
                env={k: v for k, v in os.environ.items() if not k.startswith("KETENBUS_")},
            )
        return self

    @property
    def process(self) -> asyncio.subprocess.Process:
        assert self._process is not None, "start() it first"
        return self._process

    async def kill(self) -> None:
        """``kill -9``: no clean-up, no last commit."""
        os.kill(self.process.pid, signal.SIGKILL)
        await self.process.wait()

    async def stop(self, within: float = 20.0) -> int:
        """SIGTERM (what ops send), then its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), within)

    async def exit_code(self, within: float) -> int | None:
        """Its exit code if it ends by itself within ``within`` seconds, else None."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.process.wait()), within)
        except TimeoutError:
            return None

    def lines(self) -> list[str]:
        return self.output.read_text(errors="replace").splitlines()

    async def __aenter__(self) -> KetenbusProcess:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
