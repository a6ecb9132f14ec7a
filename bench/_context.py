"""What one benchmark run shares: its scale, its broker, its prefix, its folders."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from contracts import KafkaSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scale:
    """How much each measurement does. ``full`` is the lead's run on a quiet machine."""

    name: str
    perf_records: int  # ProducerPerformance / ConsumerPerformance
    translate_records: int  # per partner, for (2) and (3)
    compare_records: int  # Maasdal, each run of the same-run comparison (bench/compare.py)
    replay_records: int  # the bulk replay (3)
    ingress_step_seconds: float
    ingress_rates: tuple[int, ...]
    delivery_facts: int
    e2e_seconds: float
    e2e_rates: tuple[int, ...]
    search_seconds: float  # each extra step looking for the highest rate under 250 ms
    profile_seconds: float


FULL = Scale(
    name="full",
    perf_records=2_000_000,
    translate_records=100_000,
    compare_records=200_000,
    replay_records=1_000_000,
    ingress_step_seconds=10.0,
    ingress_rates=(250, 500, 1000, 1500, 2000, 3000, 4000, 6000, 8000),
    delivery_facts=50_000,
    e2e_seconds=60.0,
    e2e_rates=(50, 200, 1000),
    search_seconds=20.0,
    profile_seconds=15.0,
)
QUICK = Scale(
    name="quick",
    perf_records=200_000,
    translate_records=5_000,
    compare_records=100_000,
    replay_records=20_000,
    ingress_step_seconds=2.0,
    ingress_rates=FULL.ingress_rates,
    delivery_facts=5_000,
    e2e_seconds=10.0,
    e2e_rates=FULL.e2e_rates,
    search_seconds=5.0,
    profile_seconds=5.0,
)
SMOKE = Scale(  # development of the benchmark itself: every code path in seconds
    name="smoke",
    perf_records=20_000,
    translate_records=1_000,
    compare_records=5_000,
    replay_records=2_000,
    ingress_step_seconds=1.0,
    ingress_rates=(250, 1000, 3000),
    delivery_facts=1_000,
    e2e_seconds=2.0,
    e2e_rates=(50, 200),
    search_seconds=1.0,
    profile_seconds=2.0,
)
SCALES = {scale.name: scale for scale in (FULL, QUICK, SMOKE)}

# The targets of issue G.
TRANSLATE_TARGET = 0.50
INGRESS_TARGET = 0.50
DELIVERY_TARGET = 0.70
E2E_P99_TARGET_MS = 100.0
E2E_TARGET_RATE = 200
E2E_HOLD_MS = 250.0
RSS_TARGET_MB = 150.0
INGRESS_LATENCY_BOUND_MS = 100.0
"""'At equal latency': each endpoint's highest rate whose p99 stays under this bound."""


@dataclass
class Context:
    scale: Scale
    bootstrap_servers: str
    run_id: str = field(default_factory=lambda: time.strftime("%Y%m%d%H%M%S"))
    console: Console = field(default_factory=Console)
    profile: bool = True
    broker_pid: int = 0
    """The local broker's process (for its CPU per message end to end); 0 if unknown."""

    @property
    def prefix(self) -> str:
        """Every topic, group and transactional id of this run starts with this."""
        return f"bench{self.run_id}."

    @property
    def work_dir(self) -> Path:
        path = PROJECT_ROOT / "var" / "bench" / self.run_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def kafka(self, part: str) -> KafkaSettings:
        """Kafka settings whose topics and groups belong to one part of this run."""
        return KafkaSettings(
            bootstrap_servers=self.bootstrap_servers, topic_prefix=f"{self.prefix}{part}."
        )
