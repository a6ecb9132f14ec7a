"""Child processes of the benchmark: started, watched, and always stopped by pid."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Child:
    """``with Child(name, args, log_dir) as child:`` runs ``python <args>`` in the project
    (``<executable> <args>`` with ``executable``, e.g. ``java``).

    stderr goes to ``<log_dir>/<name>.log``; with ``port_line=True`` the first stdout
    line is the port the child listens on (``child.port``). Leaving the block sends
    SIGTERM to that pid only (SIGKILL after ``grace`` seconds).
    """

    def __init__(
        self,
        name: str,
        args: list[str],
        log_dir: Path,
        *,
        env: dict[str, str] | None = None,
        port_line: bool = False,
        grace: float = 15.0,
        executable: str = sys.executable,
    ) -> None:
        self.name = name
        self._executable = executable
        self._args = args
        self._log_path = log_dir / f"{name}.log"
        self._env = env
        self._port_line = port_line
        self._grace = grace
        self._popen: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def pid(self) -> int:
        assert self._popen is not None
        return self._popen.pid

    def __enter__(self) -> Child:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self._log_path, "wb")
        self._popen = subprocess.Popen(
            [self._executable, *self._args],
            stdout=subprocess.PIPE if self._port_line else self._log,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(self._env or {})},
            cwd=PROJECT_ROOT,
        )
        if self._port_line:
            self.port = self._read_port(timeout=60.0)
        return self

    def _read_port(self, timeout: float) -> int:
        assert self._popen is not None
        assert self._popen.stdout is not None
        ready, _, _ = select.select([self._popen.stdout], [], [], timeout)
        line = self._popen.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.__exit__(None, None, None)
            raise RuntimeError(f"{self.name} did not start; see {self._log_path}")
        return int(line)

    def last_log_line(self) -> str:
        """The last line the child wrote to its log (why it stopped, when it did)."""
        lines = self._log_path.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._popen is None:
            return
        if self._popen.poll() is None:
            self._popen.send_signal(signal.SIGTERM)
            try:
                self._popen.wait(timeout=self._grace)
            except subprocess.TimeoutExpired:
                self._popen.kill()
                self._popen.wait()
        if self._popen.stdout is not None:
            self._popen.stdout.close()
        self._log.close()
        self._popen = None


def wait_healthy(url: str, child: Child, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers 200, failing early if the child died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited while starting; see its log")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
