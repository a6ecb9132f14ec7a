"""(1) The broker's ceiling: Kafka's own ProducerPerformance and ConsumerPerformance.

Records are the size of a mean Maasdal canonical record (key + value + ``ce_``
headers, measured from the samples), on a 3-partition topic like ketenbus's own;
the producer uses ``acks=all`` like every ketenbus producer, the consumer
``read_committed`` like every ketenbus consumer. The tools come from
``deploy/kafka-tools/pom.xml`` into ``.cache/kafka/tools-libs`` (kept apart from the
broker's jars: kafka-tools pulls Kafka Connect's runtime).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

from bench._context import PROJECT_ROOT, Context
from bench._results import Results
from kit.kafka.topics import ensure_topics

TOOLS_POM = PROJECT_ROOT / "deploy" / "kafka-tools" / "pom.xml"
TOOLS_LIBS = PROJECT_ROOT / ".cache" / "kafka" / "tools-libs"
_PRODUCER = "org.apache.kafka.tools.ProducerPerformance"
_CONSUMER = "org.apache.kafka.tools.ConsumerPerformance"
_PRODUCER_SUMMARY = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th"
)
_LOG4J = """\
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
"""


def install_tools() -> None:
    """Resolve kafka-tools and its dependencies from Maven Central, once."""
    if any(TOOLS_LIBS.glob("kafka-tools-*.jar")):
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Maven (mvn) is needed to fetch kafka-tools")
    TOOLS_LIBS.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(TOOLS_POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={TOOLS_LIBS}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"mvn could not resolve kafka-tools:\n{result.stdout}{result.stderr}")


def _java(work_dir: Path, main_class: str, *args: str, timeout: float) -> str:
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("Java 17+ is needed for Kafka's performance tools")
    log4j = work_dir / "tools-log4j2.properties"
    log4j.write_text(_LOG4J)
    result = subprocess.run(
        [
            java,
            "-Xmx512m",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{TOOLS_LIBS}/*",
            main_class,
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    (work_dir / f"{main_class.rsplit('.', 1)[1]}.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"{main_class} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return result.stdout


async def run(ctx: Context, results: Results) -> None:
    await asyncio.to_thread(install_tools)
    kafka = ctx.kafka("broker")
    topic = kafka.topics.orders
    await ensure_topics(kafka, [topic])
    count, size = ctx.scale.perf_records, results.canonical_bytes
    ctx.console.print(f"  ProducerPerformance: {count:,} records of {size} B, acks=all")
    out = await asyncio.to_thread(
        _java,
        ctx.work_dir,
        _PRODUCER,
        "--topic",
        topic,
        "--num-records",
        str(count),
        "--record-size",
        str(size),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={ctx.bootstrap_servers}",
        "acks=all",
        timeout=600,
    )
    summary = _PRODUCER_SUMMARY.search(out.strip().splitlines()[-1])
    if summary is None:
        raise RuntimeError(f"unexpected ProducerPerformance output: {out[-500:]}")
    results.broker["produce"] = {
        "records": int(summary.group(1)),
        "per_second": float(summary.group(2)),
        "mb_per_second": float(summary.group(3)),
        "avg_latency_ms": float(summary.group(4)),
        "p99_latency_ms": float(summary.group(8)),
    }
    config = ctx.work_dir / "consumer-perf.properties"
    config.write_text("isolation.level=read_committed\nauto.offset.reset=earliest\n")
    ctx.console.print(f"  ConsumerPerformance: {count:,} records, read_committed")
    out = await asyncio.to_thread(
        _java,
        ctx.work_dir,
        _CONSUMER,
        "--bootstrap-server",
        ctx.bootstrap_servers,
        "--topic",
        topic,
        "--messages",
        str(count),
        "--group",
        f"{kafka.topic_prefix}consumer-perf",
        "--consumer.config",
        str(config),
        "--timeout",
        "60000",
        timeout=600,
    )
    lines = [line for line in out.strip().splitlines() if "," in line]
    header = [name.strip() for name in lines[0].split(",")]
    row = dict(zip(header, (value.strip() for value in lines[-1].split(",")), strict=False))
    results.broker["consume"] = {
        "records": int(row["data.consumed.in.nMsg"]),
        # fetch.* leave out the group join, like every Python figure here.
        "per_second": float(row["fetch.nMsg.sec"]),
        "mb_per_second": float(row["fetch.MB.sec"]),
    }
    results.broker["record_bytes"] = size
