"""The same-run comparison in the report: rows for the results table, and its section."""

from __future__ import annotations

from bench._context import TRANSLATE_TARGET
from bench._results import Results
from bench.compare import LABELS, ROUNDS, Summary, summaries


def _plural(processes: int) -> str:
    return f"{processes} process" + ("es" if processes > 1 else "")


def rows(results: Results) -> list[list[str]]:
    """(figure, ketenbus, ceiling, ratio, target, met?) rows: translate against the
    passthrough and against the Kafka Streams peer, at each process count."""
    found = {(s.stack, s.processes): s for s in summaries(results.compare)}
    out: list[list[str]] = []
    for processes in sorted({p for _, p in found}):
        translate = found.get(("translate", processes))
        if translate is None:
            continue
        ours = _figure(translate)
        for stack, target in (("passthrough", True), ("streams", False)):
            peer = found.get((stack, processes))
            if peer is None:
                continue
            ratio = (
                f"{100 * translate.per_second / peer.per_second:.0f}%"
                if translate.rounds and peer.per_second
                else "n/a"
            )
            met = ""
            if target and translate.rounds and peer.per_second:
                met = (
                    "yes"
                    if translate.per_second >= TRANSLATE_TARGET * peer.per_second
                    else "**NO**"
                )
            out.append(
                [
                    f"(3) `ketenbus translate` as {_plural(processes)} vs "
                    f"{LABELS[stack]} as {_plural(processes)} (maasdal, same run)",
                    ours,
                    _figure(peer),
                    ratio,
                    f"≥ {TRANSLATE_TARGET:.0%} of (2)" if target else "as close as we can",
                    met,
                ]
            )
    return out


def _failures(summary: Summary) -> str:
    """The first round's failure, and in how many rounds it failed."""
    if not summary.errors:
        return "no run"
    rounds = len(summary.errors)
    return f"{summary.errors[0]} ({rounds} of {rounds + len(summary.rounds)} rounds failed)"


def _figure(summary: Summary) -> str:
    if not summary.rounds:
        return "pending: " + _failures(summary)
    cpu = summary.cpu_us()
    return f"{summary.per_second:,.0f} msg/s, {cpu[-1]:.0f} µs CPU/msg"


def section(results: Results) -> list[str]:
    """The comparison's own table: every stack, every process count, every round."""
    if not results.compare:
        return []
    cores = results.machine.get("cores", "?")
    lines = [
        "## Same-run comparison: `ketenbus translate`, its ceiling and its Kafka Streams peer",
        "",
        f"Maasdal raw → canonical, {results.compare_records:,} records per run, "
        f"{ROUNDS} interleaved rounds, each stack as 1 and as 2 processes in one consumer "
        "group on a 3-partition raw topic (two processes split it 2 + 1). Counted from "
        "outside, the same way for all three (see *How it measures*, 3). "
        f"**The broker runs on the same {cores} cores**, so two processes compete with it "
        "and with each other: CPU per message is given for each process (its CPU time "
        "over all the run's messages) and for the broker.",
        "",
        "| stack | processes | msg/s (median) | msg/s per round | CPU µs/msg per process "
        "| CPU µs/msg, all its processes | broker CPU µs/msg |",
        "|---|---|---|---|---|---|---|",
    ]
    for summary in summaries(results.compare):
        label = LABELS[summary.stack]
        if not summary.rounds:
            lines.append(
                f"| {label} | {summary.processes} | pending | {_failures(summary)} | | | |"
            )
            continue
        runs = sorted(summary.rounds, key=lambda r: r.round)
        cpu = summary.cpu_us()
        per_round = ", ".join(f"{r.per_second:,.0f}" for r in runs)
        if summary.errors:
            per_round += f"; {_failures(summary)}"
        lines.append(
            f"| {label} | {summary.processes} | {summary.per_second:,.0f} | {per_round} | "
            f"{' + '.join(f'{us:.0f}' for us in cpu[:-1])} | {cpu[-1]:.0f} | "
            f"{summary.broker_cpu_us:.0f} |"
        )
    lines += [
        "",
        "The Kafka Streams peer (`bench/streams-peer/`, Java 17, kafka-streams "
        f"{results.versions.get('kafka-streams (peer)', '?')}, Jackson) does per message "
        "what `ketenbus translate` does for Maasdal: reads the raw record's `kb_` headers, "
        "parses the JSON with exact decimals, checks the fields the adapter and the fact "
        "models check (codes, order number, NL-SfB, decimals, units), builds the same fact "
        "JSON and the same CloudEvents headers (ce_id the same UUIDv5, the ownership "
        "extensions) and writes it to the orders or the signals topic, with "
        "`processing.guarantee=exactly_once_v2` and otherwise Kafka Streams' defaults "
        "(commit every 100 ms). `tests/bench/test_streams_peer.py` holds its records equal "
        "to the Python adapter's for every Maasdal sample.",
        "",
    ]
    return lines
