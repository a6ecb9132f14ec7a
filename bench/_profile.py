"""py-spy profiles of a running process, summarised for the report.

``py-spy record --nonblocking`` samples the process without pausing it; the raw
(collapsed-stack) output is summarised three ways: time by component (which library
the sampled frame belongs to), the functions with the most time including their
callees, and the functions with the most time of their own.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench._context import PROJECT_ROOT

_COMPONENTS = (
    ("connectors/", "ketenbus connectors"),
    ("contracts/", "ketenbus contracts"),
    ("router/", "ketenbus router"),
    ("ketenbus/", "ketenbus (cli, services)"),
    ("bench/", "benchmark harness"),
    ("aiokafka/", "aiokafka"),
    ("kafka/", "aiokafka"),
    ("pydantic", "pydantic"),
    ("aiohttp/", "aiohttp"),
    ("yarl/", "aiohttp"),
    ("multidict/", "aiohttp"),
    ("httpx/", "httpx/httpcore/h11"),
    ("httpcore/", "httpx/httpcore/h11"),
    ("h11/", "h11 (HTTP/1.1 parser: uvicorn, httpcore)"),
    ("anyio/", "httpx/httpcore/h11"),
    ("uvicorn/", "uvicorn/starlette"),
    ("starlette/", "uvicorn/starlette"),
    ("tenacity/", "tenacity"),
    ("simplejson/", "simplejson"),
    ("json/", "json (stdlib)"),
    ("logging/", "logging (stdlib)"),
    ("asyncio/", "asyncio (stdlib)"),
    ("rich/", "rich (progress bar)"),
)


class Profiler:
    """``with Profiler(pid, path):`` records ``pid`` until the block ends."""

    def __init__(self, pid: int, output: Path, *, rate: int = 100) -> None:
        self._pid = pid
        self._output = output
        self._rate = rate
        self._popen: subprocess.Popen[bytes] | None = None
        self.error = ""

    def __enter__(self) -> Profiler:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if not Path(py_spy).exists():
            self.error = "py-spy is not installed (uv sync --group bench)"
            return self
        self._log = open(self._output.with_suffix(".log"), "wb")
        self._popen = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(self._pid),
                "--rate",
                str(self._rate),
                "--format",
                "raw",
                "--nonblocking",
                "--duration",
                "3600",
                "--output",
                str(self._output),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._popen is None:
            return
        self._popen.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
        try:
            self._popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait()
        self._log.close()
        if not self._output.exists():
            log = self._output.with_suffix(".log").read_text(errors="replace")
            self.error = f"py-spy wrote no profile: {log.strip()[-300:]}"

    def summary(self, title: str, top: int = 12) -> str:
        if self.error:
            return f"{title}: {self.error}"
        if not self._output.exists():
            return f"{title}: no profile was recorded"
        return summarise(self._output, title, top=top)


def _frame(raw: str) -> tuple[str, str]:
    """``func (path:line)`` → (``func (short path)``, path)."""
    name, _, location = raw.rpartition(" (")
    path = location.rstrip(")").rsplit(":", 1)[0]
    short = path
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in path:
            short = path.split(marker, 1)[1]
            break
    else:
        if "/lib/python" in path:
            short = path.split("/lib/python", 1)[1].split("/", 1)[-1]
    return f"{name or raw} ({short})", short


def component(short_path: str) -> str:
    for marker, name in _COMPONENTS:
        if short_path.startswith(marker) or f"/{marker}" in short_path:
            return name
    if short_path.endswith(".py") and "/" not in short_path:
        return "other stdlib"
    return "other"


def _telling(name: str, short_path: str) -> bool:
    """Leave out the frames nearly every sample shares (event loop, entry points)."""
    return not (
        component(short_path) in ("asyncio (stdlib)", "benchmark harness")
        or name.startswith(("<module>", "_run_code", "_run_module_as_main"))
        or short_path.startswith(("typer/", "click/", "<frozen runpy>", "ketenbus/cli.py"))
        or short_path.endswith(("runpy.py", "threading.py"))
    )


def _idle(leaf_name: str) -> bool:
    """py-spy cannot always tell a thread blocked in epoll from one running."""
    return leaf_name.startswith(("EpollSelector.select", "select (selectors.py)"))


def summarise(path: Path, title: str, *, top: int = 12) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    components: Counter[str] = Counter()
    total = idle = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(part) for part in stack.split(";")]
        leaf_name, leaf_path = frames[-1]
        if _idle(leaf_name):
            idle += count
            continue
        total += count
        own[leaf_name] += count
        components[component(leaf_path)] += count
        for name in {name for name, short in frames if _telling(name, short)}:
            inclusive[name] += count
    if total == 0:
        return f"{title}: no samples (the process was idle)"
    lines = [
        f"{title}: {total} samples on CPU ({idle} more waiting in epoll, left out)",
        "",
        "time by component (own time):",
    ]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in components.most_common(10)]
    lines += ["", "most time including callees:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "most own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)
