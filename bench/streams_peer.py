"""The Kafka Streams peer (``bench/streams-peer/``): built with Maven, run with java.

The Maven project builds into ``.cache/bench/streams-peer/`` (the jar and its runtime
dependencies in ``libs/``); :func:`build` runs Maven only when the jar is missing or
older than a source file, so ``make bench`` builds it itself and a second run does not.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench._context import PROJECT_ROOT

PROJECT = PROJECT_ROOT / "bench" / "streams-peer"
POM = PROJECT / "pom.xml"
OUT = PROJECT_ROOT / ".cache" / "bench" / "streams-peer"
JAR = OUT / "streams-peer.jar"
MAIN_CLASS = "nl.ketenbus.bench.streamspeer.StreamsPeer"
BUILD_COMMAND = ("-q", "-B", "-Dstyle.color=never", "-f", str(POM), "package")


def _stale() -> bool:
    if not JAR.exists():
        return True
    built = JAR.stat().st_mtime
    return any(path.stat().st_mtime > built for path in [POM, *PROJECT.rglob("*.java")])


def build() -> None:
    """``mvn package`` when the jar is missing or older than its sources (about 15 s)."""
    if not _stale():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to build the Kafka Streams peer")
    result = subprocess.run(
        [mvn, *BUILD_COMMAND], capture_output=True, text=True, check=False, timeout=900
    )
    if result.returncode != 0 or not JAR.exists():
        raise RuntimeError(f"mvn could not build the Streams peer:\n{result.stdout}{result.stderr}")


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise RuntimeError("Java 17+ is needed for the Kafka Streams peer")
    return found


def run_args(
    *,
    bootstrap: str,
    source: str,
    orders: str,
    signals: str,
    deadletter: str,
    application_id: str,
    state_dir: Path,
) -> list[str]:
    """The ``java`` arguments that run the peer until SIGTERM (the JVM's defaults)."""
    return [
        "-cp",
        f"{JAR}:{OUT / 'libs'}/*",
        # slf4j-simple: the peer's and Kafka's warnings, not their INFO lines.
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        MAIN_CLASS,
        "run",
        "--bootstrap",
        bootstrap,
        "--input",
        source,
        "--orders",
        orders,
        "--signals",
        signals,
        "--deadletter",
        deadletter,
        "--application-id",
        application_id,
        "--state-dir",
        str(state_dir),
    ]


def kafka_streams_version() -> str:
    """The kafka-streams jar the peer was built with, or ``not built``."""
    jars = sorted((OUT / "libs").glob("kafka-streams-*.jar"))
    return jars[0].stem.removeprefix("kafka-streams-") if jars else "not built"
