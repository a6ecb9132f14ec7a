"""Writing docs/performance.md and its charts from one run's results."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench._compare_report import rows as compare_rows
from bench._compare_report import section as compare_section
from bench._context import (
    DELIVERY_TARGET,
    E2E_HOLD_MS,
    E2E_P99_TARGET_MS,
    E2E_TARGET_RATE,
    INGRESS_LATENCY_BOUND_MS,
    INGRESS_TARGET,
    RSS_TARGET_MB,
    TRANSLATE_TARGET,
)
from bench._findings import FIXED_FROM_THE_PROFILES, findings
from bench._results import Results, Step
from bench.end_to_end import CPU_COLUMN
from bench.ingress import highest_holding

MET, MISSED = "yes", "**NO**"


def _rate(value: float) -> str:
    return f"{value:,.0f}/s"


def _ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.1f} ms"


def _ratio(value: float, ceiling: float) -> str:
    return f"{100 * value / ceiling:.0f}%" if ceiling else "n/a"


def _met(ok: bool) -> str:
    return MET if ok else MISSED


def table(results: Results) -> list[list[str]]:
    """Rows of (figure, ketenbus, ceiling, ratio, target, met?)."""
    rows: list[list[str]] = []
    broker = results.broker
    if broker:
        size = broker["record_bytes"]
        rows.append(
            [
                f"(1) broker produce: ProducerPerformance, {size} B records, acks=all",
                "",
                _rate(broker["produce"]["per_second"])
                + f" ({broker['produce']['mb_per_second']:.1f} MB/s)",
                "",
                "ceiling",
                "",
            ]
        )
        rows.append(
            [
                "(1) broker consume: ConsumerPerformance, read_committed",
                "",
                _rate(broker["consume"]["per_second"])
                + f" ({broker['consume']['mb_per_second']:.1f} MB/s)",
                "",
                "ceiling",
                "",
            ]
        )
    for partner, passthrough in results.passthrough.items():
        ceiling = (
            min((broker[k]["per_second"] for k in ("produce", "consume")), default=0.0)
            if broker
            else 0.0
        )
        rows.append(
            [
                f"(2) Python ceiling: aiokafka passthrough, transactions ({partner} raw)",
                _rate(passthrough.per_second),
                _rate(ceiling) if ceiling else "",
                _ratio(passthrough.per_second, ceiling),
                "ceiling (vs broker)",
                "",
            ]
        )
    for partner, translate in results.translate.items():
        ceiling = results.passthrough[partner].per_second
        events = f"{translate.per_second:,.0f} msg/s ({translate.events_per_second:,.0f} events/s)"
        rows.append(
            [
                f"(3) translate {partner}: Translator, raw → canonical",
                events,
                _rate(ceiling),
                _ratio(translate.per_second, ceiling),
                f"≥ {TRANSLATE_TARGET:.0%} of (2)",
                _met(translate.per_second >= TRANSLATE_TARGET * ceiling),
            ]
        )
    rows += compare_rows(results)
    if results.replay is not None and "maasdal" in results.passthrough:
        ceiling = results.passthrough["maasdal"].per_second
        replay = results.replay
        rows.append(
            [
                f"(3) bulk replay of {results.replay_total:,} maasdal messages",
                f"{replay.per_second:,.0f} msg/s",
                _rate(ceiling),
                _ratio(replay.per_second, ceiling),
                f"≥ {TRANSLATE_TARGET:.0%} of (2)",
                _met(replay.per_second >= TRANSLATE_TARGET * ceiling),
            ]
        )
    if (processes := results.replay_processes) is not None:
        rows.append(
            [
                f"(3) the same replay through {processes.processes} `ketenbus translate`"
                " processes (time for all, at the rate counted after the first tenth)",
                processes.error
                or f"{processes.per_second:,.0f} msg/s: "
                f"{results.replay_total / processes.per_second:,.1f} s",
                "",
                "",
                "",
                "",
            ]
        )
        peak = processes.peak_rss_mb
        rows.append(
            [
                "(7) peak RSS of each of those processes (each remembers the event ids of "
                "its raw partitions)",
                " / ".join(f"{mb:.0f} MB" for mb in peak) if peak else "no figure",
                "",
                "",
                f"≤ {RSS_TARGET_MB:.0f} MB",
                _met(bool(peak) and max(peak) <= RSS_TARGET_MB),
            ]
        )
    for variant, endpoints in results.ingress.items():
        webhook, bare = highest_holding(endpoints["webhook"]), highest_holding(endpoints["bare"])
        target = variant == "as shipped"
        rows.append(
            [
                f"(4) ingress {variant}: highest rate with p99 ≤ "
                f"{INGRESS_LATENCY_BOUND_MS:.0f} ms (bare: same server, does nothing)",
                _rate(webhook),
                _rate(bare),
                _ratio(webhook, bare),
                f"≥ {INGRESS_TARGET:.0%} of bare" if target else "what-if",
                _met(webhook >= INGRESS_TARGET * bare) if target else "",
            ]
        )
        low = endpoints["webhook"][0]
        low_bare = endpoints["bare"][0]
        rows.append(
            [
                f"(4) ingress {variant}: latency at {low.rate:.0f}/s, p50 / p99",
                f"{_ms(low.p50)} / {_ms(low.p99)}",
                f"{_ms(low_bare.p50)} / {_ms(low_bare.p99)}",
                "",
                "",
                "",
            ]
        )
    if results.delivery:
        worker, loop = results.delivery["worker"], results.delivery["bare"]
        rows.append(
            [
                f"(5) delivery: DeliveryWorker, concurrency {results.delivery_concurrency}, "
                "fast sink",
                f"{worker.per_second:,.0f} facts/s",
                f"{loop.per_second:,.0f} req/s",
                _ratio(worker.per_second, loop.per_second),
                f"≥ {DELIVERY_TARGET:.0%} of bare HTTP",
                _met(worker.per_second >= DELIVERY_TARGET * loop.per_second),
            ]
        )
    for step in results.e2e:
        target = step.rate == E2E_TARGET_RATE
        rows.append(
            [
                f"(6) end to end at {step.rate:.0f} msg/s: p50 / p95 / p99 "
                f"(delivered {step.ok}/{step.sent})",
                f"{_ms(step.p50)} / {_ms(step.p95)} / {_ms(step.p99)}",
                "",
                "",
                f"p99 ≤ {E2E_P99_TARGET_MS:.0f} ms" if target else "",
                _met(step.holds(E2E_P99_TARGET_MS)) if target else "",
            ]
        )
    if results.e2e:
        highest = highest_e2e(results)
        rows.append(
            [
                f"(6) highest rate with end-to-end p99 < {E2E_HOLD_MS:.0f} ms",
                _rate(highest[0]) if highest[0] else "none held",
                "",
                "",
                "",
                "",
            ]
        )
    for name, mb in results.memory_mb.items():
        if "(idle)" in name:
            continue
        idle = results.memory_mb.get(f"{name} (idle)", float("nan"))
        rows.append(
            [
                f"(7) peak RSS of `ketenbus {name}` (idle after warm-up: {idle:.0f} MB)",
                f"{mb:.0f} MB",
                "",
                "",
                f"≤ {RSS_TARGET_MB:.0f} MB",
                _met(mb <= RSS_TARGET_MB),
            ]
        )
    return rows


def highest_e2e(results: Results) -> tuple[float, float]:
    """(highest holding rate, lowest failing rate above it or inf)."""
    steps = [*results.e2e, *results.e2e_search]
    holding = [s.rate for s in steps if s.holds(E2E_HOLD_MS)]
    best = max(holding, default=0.0)
    failing = [s.rate for s in steps if not s.holds(E2E_HOLD_MS) and s.rate > best]
    return best, min(failing, default=math.inf)


def _markdown_table(rows: list[list[str]]) -> str:
    header = ["figure", "ketenbus", "ceiling", "ratio", "target", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def chart_throughput(results: Results, path: Path) -> None:
    bars: list[tuple[str, float, float]] = []  # stage, ketenbus, ceiling
    broker = results.broker
    if broker and results.passthrough.get("maasdal"):
        ceiling = min(broker["produce"]["per_second"], broker["consume"]["per_second"])
        bars.append(
            (
                "Python passthrough (2)\nvs broker (1)",
                results.passthrough["maasdal"].per_second,
                ceiling,
            )
        )
    for partner, translate in results.translate.items():
        bars.append(
            (
                f"translate {partner} (3)\nvs passthrough (2)",
                translate.per_second,
                results.passthrough[partner].per_second,
            )
        )
    if results.replay is not None and "maasdal" in results.passthrough:
        bars.append(
            (
                "bulk replay (3)\nvs passthrough (2)",
                results.replay.per_second,
                results.passthrough["maasdal"].per_second,
            )
        )
    if "as shipped" in results.ingress:
        endpoints = results.ingress["as shipped"]
        bars.append(
            (
                "ingress (4)\nvs bare endpoint",
                highest_holding(endpoints["webhook"]),
                highest_holding(endpoints["bare"]),
            )
        )
    if results.delivery:
        bars.append(
            (
                "delivery (5)\nvs bare HTTP",
                results.delivery["worker"].per_second,
                results.delivery["bare"].per_second,
            )
        )
    if not bars:
        return
    fig, ax = plt.subplots(figsize=(9, 0.9 * len(bars) + 1.5))
    positions = range(len(bars))
    ax.barh(
        [p + 0.2 for p in positions],
        [b[2] for b in bars],
        height=0.4,
        color="#c7c7c7",
        label="ceiling",
    )
    ax.barh(
        [p - 0.2 for p in positions],
        [b[1] for b in bars],
        height=0.4,
        color="#1f77b4",
        label="ketenbus",
    )
    for p, (_, value, ceiling) in zip(positions, bars, strict=True):
        share = f"  {value:,.0f}/s ({100 * value / ceiling:.0f}%)" if ceiling else ""
        ax.text(value, p - 0.2, share, va="center", fontsize=8)
    ax.set_yticks(list(positions), [b[0] for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("messages (or requests) per second, log scale")
    ax.set_title(f"Throughput per stage against its ceiling ({results.scale} run)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _rate_axis(axis: Any, rates: list[float]) -> None:
    axis.set_xscale("log")
    axis.set_xticks(rates, [f"{rate:,.0f}" for rate in rates], fontsize=7, rotation=45)
    axis.minorticks_off()


def chart_latency(results: Results, path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8))
    e2e = sorted([*results.e2e, *results.e2e_search], key=lambda s: s.rate)
    e2e = [s for s in e2e if s.ok]
    if e2e:
        rates = [s.rate for s in e2e]
        for name, style in (("p50", "-o"), ("p95", "-s"), ("p99", "-^")):
            left.plot(rates, [getattr(s, name) for s in e2e], style, label=f"{name} from 2xx")
        left.plot(
            rates,
            [s.extra.get("from_send_p99_ms", math.nan) for s in e2e],
            ":^",
            color="gray",
            label="p99 from the partner's send",
        )
        left.axhline(
            E2E_P99_TARGET_MS,
            color="red",
            linestyle="--",
            linewidth=1,
            label=f"target: p99 {E2E_P99_TARGET_MS:.0f} ms at {E2E_TARGET_RATE}/s",
        )
        left.axhline(
            E2E_HOLD_MS, color="orange", linestyle=":", linewidth=1, label=f"{E2E_HOLD_MS:.0f} ms"
        )
        _rate_axis(left, rates)
        # symlog: a call can arrive before the partner's 2xx (negative latency).
        left.set_yscale("symlog", linthresh=10)
        left.legend(fontsize=7)
    left.set_title("End to end: partner's 2xx → VERA call received", fontsize=10)
    left.set_xlabel("offered rate, messages/s")
    left.set_ylabel("latency, ms (symlog)")
    all_rates: set[float] = set()
    for variant, endpoints in results.ingress.items():
        for endpoint, steps in endpoints.items():
            style = "--" if endpoint == "bare" else "-"
            marker = "o" if variant == "as shipped" else "s"
            # A retried rate: the attempt that counts is the better one.
            best: dict[float, float] = {}
            for s in steps:
                best[s.rate] = min(best.get(s.rate, math.inf), s.p99)
            all_rates |= set(best)
            right.plot(
                list(best),
                list(best.values()),
                style,
                marker=marker,
                label=f"{endpoint}, {variant}",
            )
    if results.ingress:
        right.axhline(
            INGRESS_LATENCY_BOUND_MS,
            color="orange",
            linestyle=":",
            linewidth=1,
            label=f"bound {INGRESS_LATENCY_BOUND_MS:.0f} ms",
        )
        _rate_axis(right, sorted(all_rates))
        right.set_yscale("log")
        right.legend(fontsize=7)
    right.set_title("Webhook ingress: p99 of the partner's wait for the answer", fontsize=10)
    right.set_xlabel("offered rate, requests/s")
    right.set_ylabel("p99 latency, ms")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _steps_table(title: str, steps: list[Step], extra: tuple[str, ...] = ()) -> str:
    header = ["rate", "sent", "ok", "achieved", "p50 ms", "p95 ms", "p99 ms", "max ms", *extra]
    lines = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in steps:
        cells = [
            f"{s.rate:,.0f}/s",
            str(s.sent),
            str(s.ok),
            f"{s.achieved:,.0f}/s",
            f"{s.p50:.1f}",
            f"{s.p95:.1f}",
            f"{s.p99:.1f}",
            f"{s.max:.1f}",
        ]
        cells += [
            f"{s.extra.get(name, ''):.1f}"
            if isinstance(s.extra.get(name), float)
            else str(s.extra.get(name, ""))
            for name in extra
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(results: Results, report: Path, banner: str) -> None:
    charts = report.parent / "performance"
    charts.mkdir(parents=True, exist_ok=True)
    chart_throughput(results, charts / "throughput.png")
    chart_latency(results, charts / "latency.png")
    (charts / "results.json").write_text(json.dumps(asdict(results), indent=1, default=str))
    rel = charts.relative_to(report.parent)
    parts = [
        "# Performance",
        "",
        banner,
        "",
        f"- **Run:** {results.started_at} → {results.finished_at} ({results.scale} scale)",
        f"- **Command:** `{results.command}` (written by `bench/`; see *How it measures*)",
        "- **Machine:** " + "; ".join(f"{k}: {v}" for k, v in results.machine.items()),
        "- **Versions:** " + "; ".join(f"{k} {v}" for k, v in results.versions.items()),
        "",
        "## Results",
        "",
        _markdown_table(table(results)),
        "",
        "Ratios are ketenbus ÷ ceiling. Throughput figures leave out start-up (the first",
        "batch, in which consumer groups join); latencies are from the moment a request was",
        "due (open loop), so a stall counts for every request queued behind it.",
        "",
        f"![Throughput per stage against its ceiling]({rel}/throughput.png)",
        "",
        f"![Latency percentiles against rate]({rel}/latency.png)",
        "",
        *compare_section(results),
    ]
    if results.notes:
        parts += ["## Notes from this run", ""]
        parts += [f"- {note}" for note in results.notes]
        parts.append("")
    parts += [FIXED_FROM_THE_PROFILES]
    parts += findings(results)
    parts += ["## Details", ""]
    if results.e2e:
        parts += [
            _steps_table(
                "End to end (latency: partner's 2xx → call at the sink; 'from send': from the "
                "moment the partner's request was due; ingress: the partner's wait for the 2xx; "
                "late: accepted but not at the sink when the step's wait ended, the next step "
                "starts only after they arrived; "
                "then where the time went, p99 of each stage, from the records' timestamps)",
                sorted([*results.e2e, *results.e2e_search], key=lambda s: s.rate),
                (
                    "late",
                    "from_send_p99_ms",
                    "ingress_p99_ms",
                    "to raw record p99",
                    "raw → canonical p99",
                    "canonical → call p99",
                ),
            ),
            "",
        ]
    cpu_columns = tuple(
        sorted({name for s in results.e2e for name in s.extra if name.startswith(CPU_COLUMN)})
    )
    if cpu_columns:
        parts += [
            _steps_table(
                "End to end: CPU per delivered message of each process (ms; 'load' is the "
                "load generator, 'sink' the maintenance system; the machine has "
                f"{results.machine.get('cores', '?')} cores, i.e. "
                "1000 ms per second per core)",
                sorted([*results.e2e, *results.e2e_search], key=lambda s: s.rate),
                cpu_columns,
            ),
            "",
        ]
    for variant, endpoints in results.ingress.items():
        for endpoint, steps in endpoints.items():
            parts += [_steps_table(f"Ingress {variant}, {endpoint} endpoint", steps), ""]
    if results.translate:
        parts += [
            "**Translate and passthrough (records counted after the first batch)**",
            "",
            "| partner | records | passthrough s | passthrough/s | translate s | "
            "translate msg/s | events/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for partner, t in results.translate.items():
            p = results.passthrough[partner]
            parts.append(
                f"| {partner} | {t.records:,} | {p.seconds:.2f} | {p.per_second:,.0f} | "
                f"{t.seconds:.2f} | {t.per_second:,.0f} | {t.events_per_second:,.0f} |"
            )
        parts.append("")
    if results.profiles:
        parts += [
            "## Profiles",
            "",
            "py-spy (`record --nonblocking`, 100 Hz) during extra runs that are not",
            "counted in the figures above. Percentages are of on-CPU samples.",
            "",
        ]
        for name, text in results.profiles.items():
            parts += [
                f"<details><summary>{name}</summary>",
                "",
                "```",
                text,
                "```",
                "",
                "</details>",
                "",
            ]
    parts += [HOW_IT_MEASURES]
    report.write_text("\n".join(parts).rstrip() + "\n")


HOW_IT_MEASURES = """## How it measures

`make bench` runs `.venv/bin/python -m bench` (the full run: 1,000,000-message
replay, 60 s end-to-end steps); `.venv/bin/python -m bench --quick` runs the same with
smaller counts and 10 s steps. Everything runs against the local Kafka
(`ketenbus-dev kafka start`) on a topic prefix of the run's own (`bench<timestamp>.`),
whose topics are deleted at the end; the broker is never stopped.

1. **Broker ceiling** (`bench/broker_ceiling.py`): Kafka's own
   `org.apache.kafka.tools.ProducerPerformance` (`acks=all`) and `ConsumerPerformance`
   (`isolation.level=read_committed`), from `deploy/kafka-tools/pom.xml`
   (`org.apache.kafka:kafka-tools:4.1.1`, resolved into `.cache/kafka/tools-libs`,
   apart from the broker's jars), on a 3-partition topic, with records the size of a
   mean Maasdal canonical record (key + JSON value + `ce_` headers, measured from the
   samples).
2. **Python ceiling** (`bench/_passthrough.py`, run by `bench/translate.py`): a bare
   aiokafka loop that consumes the partner's raw records and produces each unchanged,
   with the translator's settings: `getmany` of up to 500, one transaction per batch
   (idempotent, `acks=all`), `send_offsets_to_transaction`, `read_committed`.
3. **Translate** (`bench/translate.py`): `connectors.translator.Translator` itself over
   the same raw records, for every partner in `connectors.registry.partners()` that has
   a translatable sample; then the bulk replay through it, with a progress bar, and
   the same replay through two `ketenbus translate` processes in one group, released
   and counted from outside as the same-run comparison below does. Maasdal's
   messages are unique and received at the run's start, so the translator remembers
   each event id it writes (`keten.translate.seen.maasdal`, in the same transactions)
   as it would in production. The other partners' samples repeat, so they are stamped
   as received 30 days earlier, past `[translate] remember_days`: otherwise every copy
   after the first would be a duplicate that writes nothing; they pay the look-up but
   not the remembering.
   **Same-run comparison** (`bench/compare.py`): the passthrough
   (`python -m bench._passthrough`), `ketenbus translate` (`python -m ketenbus --config
   <file> translate`) and the Kafka Streams peer (`bench/streams-peer/`, a Maven project
   that the benchmark builds into `.cache/bench/streams-peer/` when its sources changed;
   `exactly_once_v2`, Jackson, the same Maasdal mapping, fact JSON and `ce_` headers) as
   processes of their own, each as 1 and as 2 processes in one group, in three
   interleaved rounds. Every run has its own topic prefix and a fresh 3-partition raw
   topic with the same records, written in one transaction held open until the group
   is stable with every process owning a part of the topic; its commit releases all
   records at once, so start-up and the group join are not measured, and the first
   tenth of the records is left out as warm-up (every run starts cold; a JVM compiles
   its hot code then). Records are counted from outside by the group's committed
   offsets (polled every 20 ms), from the first commit past that tenth to the last
   record's; CPU is each process's and the broker's user + system time (psutil)
   between the same two moments.
4. **Webhook ingress** (`bench/ingress.py`): the shipped webhook app in its own
   process with a bare endpoint on the same server; an open-loop generator
   (`bench/_http.py`: raw HTTP/1.1 on up to 64 keep-alive connections, cheaper than the
   server it measures) sends signed unique Maasdal messages at rising fixed rates. The
   figure is each endpoint's highest rate whose step holds (all 2xx, rate kept, p99 ≤
   the bound).
5. **Delivery** (`bench/delivery.py`): the DeliveryWorker built as `ketenbus route`
   builds it (defaults, concurrency included) over canonical order facts, one order
   each, to a fast sink (`bench/_sink.py`, its own process; the reference back office
   validates every body against the VERA schemas, which would measure the stand-in);
   the bare loop replays exactly the worker's requests with the same HTTP client
   (`kit.delivery.http_calls.HttpClient`, aiohttp) at the same concurrency.
6. **End to end** (`bench/end_to_end.py`): `python -m ketenbus webhook|translate|route`
   as three processes (as the demo starts them), the sink as the maintenance system;
   latency from the partner's 2xx to the call at the sink, per message, by its
   Referentienummer; then more steps for the highest rate that holds p99 < 250 ms.
7. **Memory**: the peak RSS of each of the three processes, sampled every 200 ms with
   psutil during (6).

Profiles (`bench/_profile.py`) are taken with py-spy in separate, uncounted runs.
Raw numbers: `docs/performance/results.json`; logs and raw profiles:
`var/bench/<run>/`.
"""
