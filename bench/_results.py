"""The numbers of one run, kept as plain data (written to JSON beside the report)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bench._http import Sample, percentile


@dataclass
class Throughput:
    records: int
    seconds: float
    events: int = 0

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass
class CompareRun:
    """One run of the same-run comparison: one stack as ``processes`` processes.

    ``records`` and ``seconds`` are counted from outside, by the committed offsets of
    the stack's consumer group; ``cpu_seconds`` is what each of its processes used in
    that time (user + system), ``broker_cpu_seconds`` the broker's. ``error`` says why a
    run has no figures (an instance that died, a stall).
    """

    stack: str  # "passthrough", "translate" or "streams"
    processes: int
    round: int
    records: int = 0
    seconds: float = 0.0
    cpu_seconds: list[float] = field(default_factory=list)
    broker_cpu_seconds: float = 0.0
    peak_rss_mb: list[float] = field(default_factory=list)
    """Each process's highest RSS, sampled with every count."""
    error: str = ""

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 and not self.error else 0.0

    def cpu_us(self) -> list[float]:
        """CPU µs per message of each process (its CPU over all the run's messages)."""
        return [1e6 * cpu / self.records for cpu in self.cpu_seconds] if self.records else []

    @property
    def broker_cpu_us(self) -> float:
        return 1e6 * self.broker_cpu_seconds / self.records if self.records else 0.0


@dataclass
class Step:
    """One fixed-rate step: offered rate, what came back, and the latency percentiles (ms)."""

    rate: float
    sent: int
    ok: int
    achieved: float
    p50: float
    p95: float
    p99: float
    max: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.sent - self.ok

    def holds(self, bound_ms: float) -> bool:
        """Every request answered, the offered rate kept, and p99 under ``bound_ms``."""
        return (
            self.errors == 0
            and self.achieved >= 0.95 * self.rate
            and not math.isnan(self.p99)
            and self.p99 <= bound_ms
        )

    @classmethod
    def from_latencies(
        cls, rate: float, sent: int, latencies_ms: list[float], seconds: float, **extra: Any
    ) -> Step:
        ordered = sorted(latencies_ms)
        return cls(
            rate=rate,
            sent=sent,
            ok=len(ordered),
            achieved=len(ordered) / seconds if seconds > 0 else 0.0,
            p50=percentile(ordered, 0.50),
            p95=percentile(ordered, 0.95),
            p99=percentile(ordered, 0.99),
            max=ordered[-1] if ordered else float("nan"),
            extra=extra,
        )

    @classmethod
    def from_samples(cls, rate: float, samples: list[Sample], ok_status: int) -> Step:
        good = [s for s in samples if s.status == ok_status]
        first = min((s.due for s in samples), default=0.0)
        last = max((s.done for s in good), default=first)
        return cls.from_latencies(
            rate, len(samples), [s.latency * 1000 for s in good], last - first
        )


@dataclass
class Results:
    scale: str
    command: str
    started_at: str
    machine: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    canonical_bytes: int = 0
    broker: dict[str, Any] = field(default_factory=dict)
    passthrough: dict[str, Throughput] = field(default_factory=dict)
    translate: dict[str, Throughput] = field(default_factory=dict)
    replay: Throughput | None = None
    replay_processes: CompareRun | None = None
    """The bulk replay again, through ``ketenbus translate`` processes of their own."""
    compare: list[CompareRun] = field(default_factory=list)
    compare_records: int = 0
    replay_total: int = 0
    ingress: dict[str, dict[str, list[Step]]] = field(default_factory=dict)
    delivery: dict[str, Throughput] = field(default_factory=dict)
    delivery_concurrency: int = 0
    e2e: list[Step] = field(default_factory=list)
    e2e_search: list[Step] = field(default_factory=list)
    memory_mb: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    finished_at: str = ""

    def note(self, text: str) -> None:
        """A loud remark for the report (a skipped measurement, a lost message, ...)."""
        self.notes.append(text)


def load(path: str) -> Results:
    """A run's results again, from the results.json the report wrote beside it."""
    import json
    from pathlib import Path

    data = json.loads(Path(path).read_text())

    def steps(items: list[dict[str, Any]]) -> list[Step]:
        return [Step(**item) for item in items]

    def throughput(item: dict[str, Any] | None) -> Throughput | None:
        return Throughput(**item) if item is not None else None

    results = Results(**{k: v for k, v in data.items() if k in _PLAIN})
    results.passthrough = {k: Throughput(**v) for k, v in data["passthrough"].items()}
    results.translate = {k: Throughput(**v) for k, v in data["translate"].items()}
    results.replay = throughput(data["replay"])
    if data.get("replay_processes"):
        results.replay_processes = CompareRun(**data["replay_processes"])
    results.compare = [CompareRun(**item) for item in data.get("compare", [])]
    results.ingress = {
        variant: {endpoint: steps(items) for endpoint, items in endpoints.items()}
        for variant, endpoints in data["ingress"].items()
    }
    results.delivery = {k: Throughput(**v) for k, v in data["delivery"].items()}
    results.e2e = steps(data["e2e"])
    results.e2e_search = steps(data["e2e_search"])
    return results


_PLAIN = (
    "scale", "command", "started_at", "machine", "versions", "notes", "canonical_bytes",
    "broker", "replay_total", "compare_records", "delivery_concurrency", "memory_mb",
    "profiles", "finished_at",
)  # fmt: skip
