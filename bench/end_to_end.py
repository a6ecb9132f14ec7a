"""(6) End to end and (7) memory: the three processes as they run in production.

``python -m ketenbus --config <file> webhook|translate|route`` run as separate
processes (as ``ketenbus-dev demo`` starts them), on a topic prefix of this run, with
the fast sink (``bench._sink``) as the maintenance system. The load generator sends
signed, unique Maasdal order messages (each its own order) to the webhook at a fixed
rate; a message's latency runs from the partner's 2xx (the moment its answer was
complete, at the generator) to the moment the sink received the VERA call carrying
its Referentienummer. Both are ``time.monotonic()``, one clock for the whole machine.

A step holds when every accepted message arrived, the offered rate was kept, and
p99 stayed under the bound. After the fixed rates, more steps look for the highest
rate that holds p99 under 250 ms. Meanwhile a thread samples each process's RSS
(psutil) every 200 ms; the peak of each is (7).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import psutil  # type: ignore[import-untyped]
from aiokafka import AIOKafkaConsumer

from bench._context import E2E_HOLD_MS, Context
from bench._http import Sample, open_loop, percentile, render_post
from bench._procs import Child, wait_healthy
from bench._profile import Profiler
from bench._results import Results, Step
from bench._samples import MAASDAL, MaasdalMessage, MaasdalTemplate, maasdal_templates
from connectors.channels.webhook import sign
from connectors.maasdal import SIGNATURE_HEADER
from contracts import KafkaSettings

PROCESSES = ("webhook", "translate", "route")
CONNECTIONS = 64
API_KEY = "bench-key"
_SEARCH_UP = (1500, 2000, 3000, 4000, 6000)
DRAIN_SECONDS = 600.0
CPU_COLUMN = "cpu ms/msg: "


class RssSampler(threading.Thread):
    """Samples the RSS of some processes until stopped; keeps each one's peak (MB)."""

    def __init__(self, pids: dict[str, int], interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._interval = interval
        self._stop_event = threading.Event()
        self.peak_mb: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.baseline_mb: dict[str, float] = {}

    def sample(self) -> dict[str, float]:
        now = {}
        for name, process in self._processes.items():
            try:
                now[name] = process.memory_info().rss / 1_048_576
            except psutil.Error:
                continue
            self.peak_mb[name] = max(self.peak_mb[name], now[name])
        return now

    def run(self) -> None:
        while not self._stop_event.wait(self._interval):
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


class CpuMeter:
    """CPU seconds that each process (its children's threads included) used, per step."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items() if pid}

    def now(self) -> dict[str, float]:
        seconds = {}
        for name, process in self._processes.items():
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            seconds[name] = times.user + times.system
        return seconds


@dataclass
class _Sent:
    """What one step sent and saw, kept for the latency breakdown after the run."""

    step: Step
    messages: list[MaasdalMessage]
    samples: list[Sample]
    arrived: dict[str, float]


@dataclass
class _Pipeline:
    ctx: Context
    webhook_port: int
    sink_port: int
    secret: str
    templates: list[MaasdalTemplate] = field(default_factory=list)
    sequence: int = 0
    sent: list[_Sent] = field(default_factory=list)
    cpu: CpuMeter | None = None

    def messages(self, count: int) -> list[MaasdalMessage]:
        """Unique messages (ids and orders never reused within the run)."""
        start, self.sequence = self.sequence, self.sequence + count
        out = []
        for index in range(start, start + count):
            template = self.templates[index % len(self.templates)]
            message_id = f"BENCH-e2e-{self.ctx.run_id}-{index:08d}"
            order = f"WL-{2026 + index // 1_000_000:04d}-{index % 1_000_000:06d}"
            out.append(MaasdalMessage(template.render(message_id, order), message_id, order))
        return out

    async def send(self, messages: list[MaasdalMessage], rate: float) -> list[Sample]:
        now = int(time.time())
        requests = [
            render_post(
                f"127.0.0.1:{self.webhook_port}",
                f"/partners/{MAASDAL}/messages",
                {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(message.body, self.secret, now),
                },
                message.body,
            )
            for message in messages
        ]
        return await open_loop(
            "127.0.0.1", self.webhook_port, requests, rate, connections=CONNECTIONS, timeout=30
        )

    async def control(self, path: str, method: str = "GET") -> dict[str, float]:
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.request(method, f"http://127.0.0.1:{self.sink_port}{path}")
            result: dict[str, float] = response.json()
            return result

    async def wait_received(self, references: set[str], within: float) -> dict[str, float]:
        """The sink's arrival times of ``references``, waiting until all came or time ran out."""
        deadline = time.monotonic() + within
        while True:
            count = (await self.control("/_count"))["count"]
            if count >= len(references) or time.monotonic() > deadline:
                received = await self.control("/_received")
                if set(received) >= references or time.monotonic() > deadline:
                    return {ref: t for ref, t in received.items() if ref in references}
            await asyncio.sleep(0.1)

    async def step(self, rate: float, seconds: float) -> Step:
        await self.control("/_reset", "POST")
        messages = self.messages(max(int(rate * seconds), 20))
        cpu_before = self.cpu.now() if self.cpu else {}
        samples = await self.send(messages, rate)
        accepted = {
            message.reference: sample.done
            for message, sample in zip(messages, samples, strict=True)
            if sample.status == 202
        }
        arrived = await self.wait_received(set(accepted), within=max(30.0, seconds))
        cpu_after = self.cpu.now() if self.cpu else {}
        cpu_ms = {
            f"{CPU_COLUMN}{name}": (cpu_after[name] - before) * 1000 / max(len(arrived), 1)
            for name, before in cpu_before.items()
            if name in cpu_after
        }
        latencies = [
            (arrived[ref] - done) * 1000 for ref, done in accepted.items() if ref in arrived
        ]
        due = {m.reference: s.due for m, s in zip(messages, samples, strict=True)}
        from_send = sorted((t - due[ref]) * 1000 for ref, t in arrived.items())
        first_due = min(sample.due for sample in samples)
        # The offered rate is kept when the partner got its answers at that rate; how
        # long the calls took after that is the latency, not the rate.
        last = max(s.done for s in samples)
        ingress = sorted(s.latency * 1000 for s in samples if s.status == 202)
        step = Step.from_latencies(
            rate,
            len(messages),
            latencies,
            last - first_due,
            accepted=len(accepted),
            late=len(accepted) - len(arrived),
            ingress_p50_ms=percentile(ingress, 0.5),
            ingress_p99_ms=percentile(ingress, 0.99),
            from_send_p50_ms=percentile(from_send, 0.5),
            from_send_p99_ms=percentile(from_send, 0.99),
            **cpu_ms,
        )
        self.sent.append(_Sent(step, messages, samples, arrived))
        self.ctx.console.print(
            f"    {rate:>6.0f} msg/s for {seconds:.0f} s: delivered {step.ok}/{step.sent}, "
            f"p50 {step.p50:6.1f} p95 {step.p95:6.1f} p99 {step.p99:7.1f} ms "
            f"(partner's wait for the 2xx: p99 {step.extra['ingress_p99_ms']:.1f} ms)"
        )
        if len(arrived) < len(accepted):
            await self.drain(set(accepted))
        return step

    async def drain(self, references: set[str]) -> None:
        """Wait until a step that fell behind is delivered after all, so that the next
        step starts on an empty pipeline instead of measuring this step's backlog."""
        started = time.monotonic()
        arrived = await self.wait_received(references, within=DRAIN_SECONDS)
        self.ctx.console.print(
            f"    drained the backlog in {time.monotonic() - started:.0f} s "
            f"({len(arrived)}/{len(references)} delivered in the end)"
        )


async def _record_times(kafka: KafkaSettings, topic: str) -> dict[bytes, float]:
    """Each key's first record timestamp on ``topic`` (epoch seconds; set by its producer)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=None,  # no group: every partition, from the beginning
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_uncommitted",
    )
    await consumer.start()
    times: dict[bytes, float] = {}
    try:
        idle = 0
        while idle < 2:  # the topics are complete: the steps are over
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            idle = 0 if batch else idle + 1
            for records in batch.values():
                for record in records:
                    if record.key is not None:
                        times.setdefault(record.key, record.timestamp / 1000)
    finally:
        await consumer.stop()
    return times


STAGES_MS = {
    "to raw record": "request due → raw record produced (HTTP, signature, webhook)",
    "raw → canonical": "raw record → canonical record produced (translator pickup, translate)",
    "canonical → call": "canonical record → call at the sink (commit, router fetch, delivery)",
}


async def _breakdown(ctx: Context, pipeline: _Pipeline) -> None:
    """Split each step's latency by stage, from the records' producer timestamps."""
    kafka = ctx.kafka("e2e")
    raw = await _record_times(kafka, kafka.topics.raw(MAASDAL))
    canonical = await _record_times(kafka, kafka.topics.orders)
    wall = time.time() - time.monotonic()  # one machine: one offset between the clocks
    for sent in pipeline.sent:
        parts: dict[str, list[float]] = {name: [] for name in STAGES_MS}
        for message, sample in zip(sent.messages, sent.samples, strict=True):
            key = message.order_number.encode()
            arrived = sent.arrived.get(message.reference)
            if key not in raw or key not in canonical or arrived is None:
                continue
            parts["to raw record"].append((raw[key] - (sample.due + wall)) * 1000)
            parts["raw → canonical"].append((canonical[key] - raw[key]) * 1000)
            parts["canonical → call"].append((arrived + wall - canonical[key]) * 1000)
        for name, values in parts.items():
            values.sort()
            sent.step.extra[f"{name} p50"] = percentile(values, 0.5)
            sent.step.extra[f"{name} p99"] = percentile(values, 0.99)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(ctx: Context, webhook_port: int, sink_port: int) -> str:
    kafka = ctx.kafka("e2e")
    path = ctx.work_dir / "ketenbus.toml"
    path.write_text(
        f"""# Written by the benchmark (bench/end_to_end.py); secrets come from the environment.
sender_organisation = "bench"

[kafka]
bootstrap_servers = "{kafka.bootstrap_servers}"
topic_prefix = "{kafka.topic_prefix}"

[webhook]
port = {webhook_port}

[partners.{MAASDAL}]

[destinations.onderhoud]
base_url = "http://127.0.0.1:{sink_port}/onderhoud"
"""
    )
    return str(path)


async def _warm_up(pipeline: _Pipeline) -> None:
    """One message per order template; keep the templates the router delivers."""
    candidates = [t for t in maasdal_templates() if t.to_onderhoud]
    pipeline.templates = candidates
    messages = pipeline.messages(len(candidates) * 2)
    await pipeline.send(messages, 10)
    arrived = await pipeline.wait_received({m.reference for m in messages}, within=90)
    pipeline.templates = [
        t
        for i, t in enumerate(candidates)
        if messages[i].reference in arrived or messages[i + len(candidates)].reference in arrived
    ]
    if not pipeline.templates:
        raise RuntimeError("no Maasdal message reached the sink in 90 s: see the process logs")
    skipped = sorted({t.name for t in candidates} - {t.name for t in pipeline.templates})
    if skipped:
        pipeline.ctx.console.print(f"    not delivered to onderhoud, left out: {skipped}")


async def _search(pipeline: _Pipeline, fixed: list[Step], seconds: float) -> list[Step]:
    """More steps until the highest rate holding p99 under 250 ms is known."""
    steps: list[Step] = []

    def all_steps() -> list[Step]:
        return [*fixed, *steps]

    top = max(step.rate for step in fixed)
    if all(s.holds(E2E_HOLD_MS) for s in fixed if s.rate == top):
        for rate in (r for r in _SEARCH_UP if r > top):
            steps.append(await pipeline.step(rate, seconds))
            if not steps[-1].holds(E2E_HOLD_MS):
                break
        return steps
    for _ in range(3):
        holding = [s.rate for s in all_steps() if s.holds(E2E_HOLD_MS)]
        failing = [s.rate for s in all_steps() if not s.holds(E2E_HOLD_MS)]
        low, high = max(holding, default=0.0), min(failing)
        rate = round((low + high) / 2 / 10) * 10 if low else max(10, round(high / 4))
        if rate <= low or rate >= high:
            break
        steps.append(await pipeline.step(rate, seconds))
    return steps


async def run(ctx: Context, results: Results) -> None:
    secret = secrets.token_hex(32)
    with Child("sink-e2e", ["-m", "bench._sink"], ctx.work_dir, port_line=True) as sink:
        webhook_port = _free_port()
        config = _config(ctx, webhook_port, sink.port)
        env = {
            "KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": f'["{secret}"]',
            "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": API_KEY,
        }
        children = {
            name: Child(name, ["-m", "ketenbus", "--config", config, name], ctx.work_dir, env=env)
            for name in PROCESSES
        }
        for child in children.values():
            child.__enter__()
        sampler: RssSampler | None = None
        try:
            wait_healthy(f"http://127.0.0.1:{webhook_port}/health", children["webhook"])
            pipeline = _Pipeline(ctx, webhook_port, sink.port, secret)
            ctx.console.print("    warm-up (consumer groups join, connections open)")
            await _warm_up(pipeline)
            pids = {name: child.pid for name, child in children.items()}
            pipeline.cpu = CpuMeter(
                pids | {"kafka": ctx.broker_pid, "sink": sink.pid, "load": os.getpid()}
            )
            sampler = RssSampler(pids)
            sampler.baseline_mb = sampler.sample()
            sampler.start()
            for rate in ctx.scale.e2e_rates:
                results.e2e.append(await pipeline.step(rate, ctx.scale.e2e_seconds))
            results.e2e_search = await _search(pipeline, results.e2e, ctx.scale.search_seconds)
            sampler.stop()
            await _breakdown(ctx, pipeline)
            results.memory_mb = {name: round(mb, 1) for name, mb in sampler.peak_mb.items()}
            results.memory_mb.update(
                {f"{name} (idle)": round(mb, 1) for name, mb in sampler.baseline_mb.items()}
            )
            if ctx.profile:
                await _profile(ctx, results, pipeline, children)
        finally:
            if sampler is not None and sampler.is_alive():
                sampler.stop()
            for name in reversed(PROCESSES):
                children[name].__exit__(None, None, None)


async def _profile(
    ctx: Context, results: Results, pipeline: _Pipeline, children: dict[str, Child]
) -> None:
    """Each process under py-spy during one more step at the target rate (not measured)."""
    from bench._context import E2E_TARGET_RATE

    profilers = {
        name: Profiler(child.pid, ctx.work_dir / f"profile-e2e-{name}.txt")
        for name, child in children.items()
    }
    for profiler in profilers.values():
        profiler.__enter__()
    try:
        await pipeline.step(E2E_TARGET_RATE, ctx.scale.profile_seconds)
    finally:
        for profiler in profilers.values():
            profiler.__exit__(None, None, None)
    for name, profiler in profilers.items():
        results.profiles[f"e2e-{name}"] = profiler.summary(
            f"`ketenbus {name}` at {E2E_TARGET_RATE} msg/s end to end"
        )
