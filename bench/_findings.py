"""Causes of missed targets, written into the report when the results show them.

Each finding has a condition on the results (or on the installed code), so a later
run after a fix drops it, or shows that it still applies. The texts name the file,
the function and the change; the profiles in the report and the small timings taken
here (per message, in this process) back them.
"""

from __future__ import annotations

import math
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._context import (
    DELIVERY_TARGET,
    E2E_P99_TARGET_MS,
    E2E_TARGET_RATE,
    RSS_TARGET_MB,
    TRANSLATE_TARGET,
)
from bench._results import Results


def _us(function: Callable[[], object], number: int = 2000) -> float:
    return timeit.timeit(function, number=number) / number * 1e6


def _translation_costs() -> dict[str, float]:
    """Microseconds per Maasdal message for each part of the translation, in this process."""
    from bench._samples import maasdal_messages, maasdal_raw, translate_events
    from connectors.maasdal.inbound import parse
    from connectors.registry import partners
    from contracts import RawMessage, event_id
    from contracts._ownership import classify

    adapter = partners()["maasdal"].inbound
    raws = [maasdal_raw(m) for m in maasdal_messages(600, "cost")]
    records = [raw.to_kafka() for raw in raws]
    events = [event for raw in raws for event in translate_events(adapter, raw)]
    parts: dict[str, tuple[Callable[[Any], object], list[Any]]] = {
        "RawMessage.from_kafka": (
            lambda r: RawMessage.from_kafka(r.key, r.value, r.headers),
            records,
        ),
        "adapter (parse, fact, envelope)": (adapter, raws),
        "  of which maasdal parse (json + MaasdalBericht)": (lambda r: parse(r.body), raws),
        "  of which classify (in CanonicalEvent.create)": (lambda e: classify(e.data), events),
        "  of which the event id (uuid5)": (lambda e: event_id("maasdal", e.id, 0), events),
        "CanonicalEvent.to_kafka": (lambda e: e.to_kafka(), events),
    }
    return {name: _per_item(function, items) for name, (function, items) in parts.items()}


def _translation_share_text(results: Results, per_message_us: float) -> str:
    """What the run's profile says the translation itself costs per message."""
    import re

    summary = results.profiles.get("translate maasdal", "")
    found = re.search(r"([\d.]+)%\s+Translator\._translate \(", summary)
    if found is None:
        return "its profile ('translate maasdal' below) shows where the time goes."
    share = float(found.group(1)) / 100
    return (
        f"its profile ('translate maasdal' below) puts {share:.0%} of its CPU in "
        f"`Translator._translate` (adapter, envelope, binary binding), about "
        f"{share * per_message_us:.0f} µs per message; the rest is the aiokafka work the "
        "passthrough does too."
    )


def _per_item(function: Callable[[Any], object], items: list[Any]) -> float:
    return _us(lambda: [function(item) for item in items], number=3) / len(items)


def _translate(results: Results) -> list[str]:
    translate = results.translate.get("maasdal")
    passthrough = results.passthrough.get("maasdal")
    if translate is None or passthrough is None:
        return []
    runs = [translate] + ([results.replay] if results.replay is not None else [])
    slowest = min(runs, key=lambda run: run.per_second)
    ratio = slowest.per_second / passthrough.per_second
    if ratio >= TRANSLATE_TARGET:
        return []
    per_message_us = 1e6 / slowest.per_second
    which = "per-partner run" if slowest is translate else "bulk replay"
    ceiling_us = 1e6 / passthrough.per_second
    costs = _translation_costs()
    lines = [
        f"### translate at {ratio:.0%} of the passthrough: CPU per message in the contract layer",
        "",
        f"The passthrough spends {ceiling_us:.0f} µs per record, the Translator "
        f"{per_message_us:.0f} µs (Maasdal, {which}). "
        "The translator process is CPU-bound; "
        + _translation_share_text(results, per_message_us)
        + " Timed here apart, per Maasdal message, without Kafka (warm caches, so less "
        "than in the run):",
        "",
        "| part | µs per message |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value:.1f} |" for name, value in costs.items()]
    lines += [
        "",
        "Why it stays below the target, after the fixes listed under *Fixed from the "
        "profiles*: the passthrough does no work per record at all, while the Translator "
        "validates each message twice as pydantic models (the partner's shape, then the "
        "canonical fact with its code lists and invariants), wraps it in the envelope with "
        "its ownership tags and writes it in the binary binding. "
        f"{TRANSLATE_TARGET:.0%} of the passthrough means {2 * ceiling_us:.0f} µs per "
        f"message for everything, the passthrough's own {ceiling_us:.0f} µs of Kafka work "
        f"included, so {ceiling_us:.0f} µs for the translation. What is left in it is "
        "pydantic validating (`validate_python`), "
        "JSON with exact decimals (`json.loads(parse_float=Decimal)`: pydantic's own JSON "
        "reader reads numbers through a float, so `64.90` would become `64.9`) and the "
        "envelope's bytes; none of them can go without giving up a guarantee of the contract. "
        "The scaling path is the design's: more translator processes in one group; the "
        "*Same-run comparison* runs 1 and 2 of them beside the passthrough and the Kafka "
        "Streams peer (on this two-core machine the broker shares the cores with them).",
        "",
    ]
    others = {
        partner: done.per_second / results.passthrough[partner].per_second
        for partner, done in results.translate.items()
        if partner != "maasdal"
        and done.per_second < TRANSLATE_TARGET * results.passthrough[partner].per_second
    }
    if others:
        names = ", ".join(f"{partner} {share:.0%}" for partner, share in others.items())
        own = {
            "heuvelland": "Heuvelland's XML parse (defusedxml over ElementTree, `parse_batch`)",
            "gulpdal": "Gulpdal's CSV reading and content-derived ids (`_identity` → `_normal` "
            "NFC-normalises every field of every row)",
            "roerdal": "Roerdal's decimal-comma strings and `strptime`-based local times",
        }
        specifics = "; ".join(own[partner] for partner in others if partner in own)
        lines += [
            f"The other formats below the target ({names}) pay the same envelope costs per "
            "event (classify, `to_kafka`) plus their own reading, as their profiles "
            "('translate <partner>') show" + (f": {specifics}" if specifics else "") + ".",
            "",
        ]
    return lines


def _delivery(results: Results) -> list[str]:
    if not results.delivery:
        return []
    worker, bare = results.delivery["worker"], results.delivery["bare"]
    ratio = worker.per_second / bare.per_second
    if ratio >= DELIVERY_TARGET:
        return []
    return [
        f"### delivery at {ratio:.0%} of the bare HTTP loop",
        "",
        f"The worker spends {1e6 / worker.per_second:.0f} µs per fact, the bare loop "
        f"{1e6 / bare.per_second:.0f} µs per request (profile 'delivery' below). The "
        "difference is the router's own work per fact: reading the record and the event, "
        "entitlement and the view, the mapping, the retry wrapper and the breaker, the "
        "status clock's write and the offset bookkeeping.",
        "",
    ]


def _e2e(results: Results) -> list[str]:
    step = next((s for s in results.e2e if s.rate == E2E_TARGET_RATE), None)
    if step is None or step.holds(E2E_P99_TARGET_MS):
        return []
    route = step.extra.get("canonical → call p99", math.nan)
    translate = step.extra.get("raw → canonical p99", math.nan)
    slowest = "the router" if route >= translate else "the translator"
    return [
        f"### end to end p99 {step.p99:.0f} ms at {E2E_TARGET_RATE} msg/s: {slowest} queues",
        "",
        f"The stage breakdown (Details) puts p99 {translate:.0f} ms between the raw and the "
        f"canonical record and p99 {route:.0f} ms between the canonical record and the call at "
        "the sink. Three Python processes, the broker, the sink and the load generator share "
        "the machine's two cores (CPU per message of each: Details); a stage whose CPU per "
        "message leaves little headroom at this rate queues, and its queue is the tail.",
        "",
    ]


def _memory(results: Results) -> list[str]:
    over = {
        name: mb
        for name, mb in results.memory_mb.items()
        if "(idle)" not in name and mb > RSS_TARGET_MB
    }
    if not over:
        return []
    names = ", ".join(f"`ketenbus {name}` {mb:.0f} MB" for name, mb in over.items())
    return [
        f"### memory over {RSS_TARGET_MB:.0f} MB: {names}",
        "",
        "Compare with the idle RSS after warm-up in the table: the difference is what the load "
        "holds (buffers of fetched records, pending lanes, in-flight requests).",
        "",
    ]


FINDINGS = (_translate, _delivery, _e2e, _memory)


def findings(results: Results) -> list[str]:
    found = []
    for finding in FINDINGS:
        try:
            found += finding(results)
        except Exception as exc:  # a finding must never cost the report
            found += [f"(finding {finding.__name__} failed: {type(exc).__name__}: {exc})", ""]
    if not found:
        return []
    return ["## Causes of missed targets", "", *found]


FIXED_FROM_THE_PROFILES = (Path(__file__).parent / "fixed_from_the_profiles.md").read_text()
"""What earlier runs' profiles led to (kept by hand: it is history, not a measurement)."""
