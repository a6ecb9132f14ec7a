"""The same-run comparison: ketenbus translate against its ceiling and its peer.

Three stacks do Maasdal's raw → canonical step as processes of their own, on the same
records, in the same run, on the same broker:

* **passthrough**: the bare aiokafka transactional loop (``python -m bench._passthrough``),
  forwarding each raw record unchanged: the ceiling of a Python process.
* **translate**: ``python -m ketenbus --config <file> translate``, as it is deployed.
* **streams**: the Kafka Streams peer (``bench/streams-peer/``, ``exactly_once_v2``, Jackson),
  the same mapping on the JVM: what a user choosing a stack compares against.

Each runs as 1 and as 2 processes in one consumer group (the raw topic has 3
partitions), in three interleaved rounds (every stack once per round, so a slow
minute of the machine hits all of them). Every run gets a topic prefix of its own: a
fresh raw topic filled with the same records (the same ids and orders each time), its
own group and output topics, deleted afterwards.

All are counted the same way, from outside: the committed offsets of the run's consumer
group (the one group under its prefix), polled every 20 ms. The raw records are
written in one transaction that is held open (``bench._kafka.held_fill``) until the
group is stable with every process in it (owning all partitions between them, for
half a second), so they all see the work at the same moment and start-up (the JVM's
and Python's imports, the group join) is left out. The first tenth of the
records is left out too: every run starts cold, and a JVM compiles its hot code in
those seconds (Python fills its caches), where a deployed process has long done so.
The clock starts at the first commit past that tenth and stops when the last record's
offset is committed.
CPU is each process's user + system time (``/proc``, psutil) between the same two
moments, and the broker's too: the broker shares the machine's two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from bench import streams_peer
from bench._context import Context
from bench._kafka import delete_topics, held_fill
from bench._procs import Child
from bench._results import CompareRun, Results
from bench._samples import MAASDAL, iter_maasdal_messages, maasdal_raw
from connectors.translator import DEADLETTER_TOPIC_CONFIG
from contracts import KafkaRecord, KafkaSettings
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka import clients
from kit.kafka.topics import ensure_topics

STACKS = ("passthrough", "translate", "streams")
PROCESSES = (1, 2)
ROUNDS = 3
POLL_SECONDS = 0.02
START_SECONDS = 120.0  # processes start and join their group within this
WARM_UP_SHARE = 0.1  # the first tenth of a run's records is not counted (see the docstring)
SETTLE_SECONDS = 0.5  # the group's assignment holds this long before the records are released
STALL_SECONDS = 60.0
RAW_COMPRESSION = "gzip"  # what the RawWriter writes
LABELS = {
    "passthrough": "aiokafka passthrough (2)",
    "translate": "`ketenbus translate` (3)",
    "streams": "Kafka Streams peer, exactly_once_v2",
}


def raw_records(count: int) -> Iterator[KafkaRecord]:
    """The comparison's Maasdal records: the same ids and orders in every run."""
    for message in iter_maasdal_messages(count, "cmp"):
        yield maasdal_raw(message).to_kafka()


async def run(ctx: Context, results: Results) -> None:
    ctx.console.print("  building the Kafka Streams peer (Maven; skipped when up to date)")
    streams_peer.build()
    count = ctx.scale.compare_records
    results.compare_records = count
    for round_ in range(1, ROUNDS + 1):
        for processes in PROCESSES:
            for stack in STACKS:
                outcome = await _one(ctx, stack, processes, round_, count)
                results.compare.append(outcome)
                ctx.console.print("    " + _line(outcome))
    for line in summary_lines(results.compare):
        ctx.console.print("  " + line)


async def replay(ctx: Context, count: int, processes: int = 2) -> CompareRun:
    """The bulk replay as ops would run it: ``count`` Maasdal messages released at once
    to ``processes`` ``ketenbus translate`` processes in one group, counted from outside
    as every comparison run is."""
    outcome = await _one(ctx, "translate", processes, 0, count)
    ctx.console.print("    " + _line(outcome))
    return outcome


def _line(run: CompareRun) -> str:
    head = f"round {run.round}: {run.stack} ×{run.processes}"
    if run.error:
        return f"{head}: [red]{run.error}[/]"
    cpu = " + ".join(f"{us:.0f}" for us in run.cpu_us())
    return (
        f"{head}: {run.per_second:,.0f} msg/s, CPU µs/msg {cpu} "
        f"(broker {run.broker_cpu_us:.0f}) over {run.records:,} in {run.seconds:.1f} s"
    )


async def _one(ctx: Context, stack: str, processes: int, round_: int, count: int) -> CompareRun:
    part = f"cmp-{stack}{processes}-r{round_}"
    kafka = ctx.kafka(part)
    outcome = CompareRun(stack=stack, processes=processes, round=round_)
    try:
        raw_topic = kafka.topics.raw(MAASDAL)
        await ensure_topics(kafka, [raw_topic], RAW_TOPIC_CONFIG)
        children = await _children(ctx, stack, processes, kafka, part)
        async with held_fill(
            kafka,
            raw_topic,
            raw_records(count),
            transactional_id=f"{kafka.topic_prefix}fill",
            compression=RAW_COMPRESSION,
        ) as release:
            with contextlib.ExitStack() as running:
                for child in children:
                    running.enter_context(child)
                await _measure(ctx, kafka, children, count, release, outcome)
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        await delete_topics(kafka, kafka.topic_prefix)
    return outcome


async def _children(
    ctx: Context, stack: str, processes: int, kafka: KafkaSettings, part: str
) -> list[Child]:
    """The processes of one run (not started yet); their topics exist before they start."""
    topics = kafka.topics
    raw_topic = topics.raw(MAASDAL)
    names = [f"{part}-{index}" for index in range(processes)]
    if stack == "passthrough":
        target = f"{kafka.topic_prefix}bench.passthrough"
        await ensure_topics(kafka, [target], RAW_TOPIC_CONFIG)
        group = f"{kafka.topic_prefix}bench-passthrough"
        return [
            Child(
                name,
                [
                    "-m",
                    "bench._passthrough",
                    "--bootstrap",
                    kafka.bootstrap_servers,
                    "--source",
                    raw_topic,
                    "--target",
                    target,
                    "--group",
                    group,
                    "--instance",
                    str(index),
                ],
                ctx.work_dir,
            )
            for index, name in enumerate(names)
        ]
    if stack == "translate":
        config = ctx.work_dir / f"{part}.toml"
        config.write_text(
            f"""# Written by the benchmark (bench/compare.py).
[kafka]
bootstrap_servers = "{kafka.bootstrap_servers}"
topic_prefix = "{kafka.topic_prefix}"

[partners.{MAASDAL}]
"""
        )
        args = ["-m", "ketenbus", "--config", str(config), "translate"]
        return [Child(name, args, ctx.work_dir) for name in names]
    deadletter = topics.deadletter("translate")
    await ensure_topics(kafka, [topics.orders, topics.signals])
    await ensure_topics(kafka, [deadletter], DEADLETTER_TOPIC_CONFIG)
    java = streams_peer.java()
    return [
        Child(
            name,
            streams_peer.run_args(
                bootstrap=kafka.bootstrap_servers,
                source=raw_topic,
                orders=topics.orders,
                signals=topics.signals,
                deadletter=deadletter,
                application_id=f"{kafka.topic_prefix}streams-peer",
                state_dir=ctx.work_dir / f"{name}-state",
            ),
            ctx.work_dir,
            executable=java,
        )
        for name in names
    ]


@dataclass
class _Snapshot:
    at: float
    committed: int
    cpu: list[float]
    broker_cpu: float
    rss_mb: list[float]


class _Meter:
    """The run's consumer group and processes, read from outside."""

    def __init__(self, kafka: KafkaSettings, children: list[Child], broker_pid: int) -> None:
        self._kafka = kafka
        self._children = children
        self._processes = [psutil.Process(child.pid) for child in children]
        self._broker = psutil.Process(broker_pid) if broker_pid else None
        self._admin: AIOKafkaAdminClient = clients.admin(kafka)
        self.group = ""

    async def __aenter__(self) -> _Meter:
        await self._admin.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._admin.close()

    def check_alive(self) -> None:
        for child in self._children:
            if not child.alive():
                # Its last line says why (a fenced translator: one CRITICAL line).
                raise RuntimeError(f"{child.name} exited: {child.last_log_line()[-300:]}")

    async def find_group(self) -> bool:
        """The one consumer group under the run's prefix, once a process has made it."""
        if not self.group:
            prefix = self._kafka.topic_prefix
            found = [
                g[0] for g in await self._admin.list_consumer_groups() if g[0].startswith(prefix)
            ]
            if len(found) > 1:
                raise RuntimeError(f"more than one consumer group under {prefix}: {found}")
            self.group = found[0] if found else ""
        return bool(self.group)

    async def ready(self, topic: str, partitions: int) -> bool:
        """The group is stable, with every process in it owning a part of ``topic`` and
        all of it owned (Kafka Streams' cooperative rebalance moves partitions in two)."""
        (response,) = await self._admin.describe_consumer_groups([self.group])
        _error, _group, state, _protocol_type, _protocol, members, *_ = response.groups[0]
        if state != "Stable" or len(members) != len(self._children):
            return False
        owned: list[set[int]] = []
        for member in members:
            # The consumer protocol's assignment is the member's last field in every version.
            assignment = ConsumerProtocolMemberAssignment.decode(member[-1])
            owned.append({tp.partition for tp in assignment.partitions() if tp.topic == topic})
        return all(owned) and set().union(*owned) == set(range(partitions))

    async def snapshot(self) -> _Snapshot:
        offsets = await self._admin.list_consumer_group_offsets(self.group)
        committed = sum(max(meta.offset, 0) for meta in offsets.values())
        return _Snapshot(
            at=time.monotonic(),
            committed=committed,
            cpu=[_cpu(process) for process in self._processes],
            broker_cpu=_cpu(self._broker) if self._broker else 0.0,
            rss_mb=[process.memory_info().rss / 1e6 for process in self._processes],
        )


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def _measure(
    ctx: Context,
    kafka: KafkaSettings,
    children: list[Child],
    count: int,
    release: Callable[[], Awaitable[None]],
    outcome: CompareRun,
) -> None:
    """Wait for every process in the group, release the records, count from outside."""
    raw_topic = kafka.topics.raw(MAASDAL)
    async with _Meter(kafka, children, ctx.broker_pid) as meter:
        deadline = time.monotonic() + START_SECONDS
        ready_since = None
        while ready_since is None or time.monotonic() - ready_since < SETTLE_SECONDS:
            meter.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the group did not settle with {len(children)} processes")
            await asyncio.sleep(POLL_SECONDS)
            if await meter.find_group() and await meter.ready(raw_topic, kafka.partitions):
                ready_since = ready_since or time.monotonic()
            else:
                ready_since = None
        await release()
        released = await meter.snapshot()
        start, last = None, released
        peak = released.rss_mb
        while last.committed < count:
            meter.check_alive()
            await asyncio.sleep(POLL_SECONDS)
            now = await meter.snapshot()
            peak = [max(a, b) for a, b in zip(peak, now.rss_mb, strict=True)]
            if now.committed != last.committed:
                last = now
                if start is None and now.committed >= WARM_UP_SHARE * count:
                    start = now
            elif now.at - last.at > STALL_SECONDS:
                raise RuntimeError(f"no commit for {STALL_SECONDS:.0f} s at {last.committed:,}")
        # Every process still there at the end: a fenced one would leave its work to the other.
        meter.check_alive()
        if not await meter.ready(raw_topic, kafka.partitions):
            raise RuntimeError(f"the group did not end with {len(children)} members")
    if start is None or start is last:
        raise RuntimeError("the warm-up took every record: more records needed")
    # Kafka Streams commits the position past the fill's commit markers (one per partition).
    outcome.records = min(last.committed, count) - start.committed
    outcome.seconds = last.at - start.at
    outcome.cpu_seconds = [b - a for a, b in zip(start.cpu, last.cpu, strict=True)]
    outcome.broker_cpu_seconds = last.broker_cpu - start.broker_cpu
    outcome.peak_rss_mb = peak


@dataclass(frozen=True)
class Summary:
    """One stack at one process count over the rounds that have figures (medians)."""

    stack: str
    processes: int
    rounds: list[CompareRun]
    errors: list[str]

    @property
    def per_second(self) -> float:
        return statistics.median(r.per_second for r in self.rounds) if self.rounds else 0.0

    def cpu_us(self) -> list[float]:
        """Median CPU µs per message of each process, and their sum last."""
        if not self.rounds:
            return []
        per_process = [
            statistics.median(r.cpu_us()[index] for r in self.rounds)
            for index in range(self.processes)
        ]
        return [*per_process, statistics.median(sum(r.cpu_us()) for r in self.rounds)]

    @property
    def broker_cpu_us(self) -> float:
        return statistics.median(r.broker_cpu_us for r in self.rounds) if self.rounds else 0.0


def summaries(runs: list[CompareRun]) -> list[Summary]:
    found = []
    for processes in PROCESSES:
        for stack in STACKS:
            mine = [r for r in runs if r.stack == stack and r.processes == processes]
            if mine:
                good = [r for r in mine if not r.error]
                errors = [f"round {r.round}: {r.error}" for r in mine if r.error]
                found.append(Summary(stack, processes, good, errors))
    return found


def summary_lines(runs: list[CompareRun]) -> list[str]:
    lines = []
    for s in summaries(runs):
        if not s.rounds:
            lines.append(f"{s.stack} ×{s.processes}: no figures ({'; '.join(s.errors)})")
            continue
        cpu = s.cpu_us()
        lines.append(
            f"{s.stack} ×{s.processes}: {s.per_second:,.0f} msg/s (median of {len(s.rounds)}), "
            f"CPU µs/msg {' + '.join(f'{us:.0f}' for us in cpu[:-1])} = {cpu[-1]:.0f}, "
            f"broker {s.broker_cpu_us:.0f}"
        )
    return lines
