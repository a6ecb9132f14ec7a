"""The machine and the versions a run measured, for the report."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench import streams_peer
from bench._context import PROJECT_ROOT

_PACKAGES = ("aiokafka", "faststream", "pydantic", "starlette", "uvicorn", "aiohttp", "orjson")


def machine() -> dict[str, str]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{psutil.virtual_memory().total / 1024**3:.1f} GiB",
        "cpu": model,
        "os": f"{platform.system()} {platform.release()}",
        "load at start (1, 5, 15 min)": load,
    }


def versions() -> dict[str, str]:
    found = {"Python": platform.python_version()}
    jars = sorted((PROJECT_ROOT / ".cache" / "kafka" / "libs").glob("kafka_2.13-*.jar"))
    found["Kafka (broker)"] = jars[0].stem.removeprefix("kafka_2.13-") if jars else "unknown"
    found["kafka-streams (peer)"] = streams_peer.kafka_streams_version()
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
        found["Java"] = java.stderr.splitlines()[0] if java.stderr else "unknown"
    except OSError:
        found["Java"] = "not found"
    return found
