"""Causes of missed targets, written into the report when the results show them.

Each finding has a condition on the results (or on the installed code), so a later
run after a fix drops it, or shows that it still applies. The texts name the file,
the function and the change; the profiles in the report and the small timings taken
here (per message, in this process) back them.
"""

from __future__ import annotations

import importlib.util
import math
import timeit
from collections.abc import Callable
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
    from contracts import RawMessage
    from contracts._ownership import classify

    adapter = partners()["maasdal"].inbound
    raws = [maasdal_raw(m) for m in maasdal_messages(600, "cost")]
    records = [raw.to_kafka() for raw in raws]
    events = [event for raw in raws for event in translate_events(adapter, raw)]
    costs = {
        "RawMessage.from_kafka": lambda r: RawMessage.from_kafka(r.key, r.value, r.headers),
        "adapter (parse, fact, envelope)": adapter,
        "  of which maasdal parse (json + MaasdalBericht)": lambda r: parse(r.body),
        "  of which classify (in CanonicalEvent.create)": lambda e: classify(e.data),
        "CanonicalEvent.to_kafka": lambda e: e.to_kafka(),
    }
    inputs: dict[str, list[Any]] = {
        "RawMessage.from_kafka": records,
        "adapter (parse, fact, envelope)": raws,
        "  of which maasdal parse (json + MaasdalBericht)": raws,
        "  of which classify (in CanonicalEvent.create)": events,
        "CanonicalEvent.to_kafka": events,
    }
    return {name: _per_item(function, inputs[name]) for name, function in costs.items()}


def _per_item(function: Callable[[Any], object], items: list[Any]) -> float:
    return _us(lambda: [function(item) for item in items], number=3) / len(items)


def _tcp_nodelay(results: Results) -> list[str]:
    shipped = results.ingress.get("as shipped", {}).get("bare")
    fixed = results.ingress.get("with TCP_NODELAY", {}).get("bare")
    if not shipped or not fixed or not (shipped[0].p50 > 20 and fixed[0].p50 < 10):
        return []
    return [
        "### Every webhook answer waits ~40 ms: no TCP_NODELAY on the webhook's sockets",
        "",
        f"At {shipped[0].rate:.0f} requests/s even the bare endpoint answers in p50 "
        f"{shipped[0].p50:.1f} ms as shipped, and in p50 {fixed[0].p50:.1f} ms with the fix "
        "below (same server, same load). uvicorn writes an answer in two `write()`s (head, "
        "then body); without TCP_NODELAY, Nagle's algorithm holds the body until the client "
        "ACKs the head, and the client delays that ACK (Linux: up to 40 ms). asyncio sets "
        "TCP_NODELAY on accepted connections only when the listening socket was created with "
        "`IPPROTO_TCP`; `WebhookServer.start` creates it with protocol 0. A partner therefore "
        "gets at most ~25 answers per second per connection, and every message waits up to "
        "40 ms longer than it needs to; in the end-to-end run the VERA call often arrives "
        "*before* the partner's 2xx (negative latencies). No profile shows this: the process "
        "is idle while it waits.",
        "",
        "**Fix** (connectors/channels/webhook/_server.py, `WebhookServer.start`): "
        "`socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)` instead of "
        "`socket.socket(socket.AF_INET, socket.SOCK_STREAM)`, as "
        "`ketenbus/reference_backoffice/_server.py` already does (its comment explains the "
        "same 40 ms). The 'with TCP_NODELAY' rows measure exactly that change, applied in the "
        "benchmark's server process only.",
        "",
    ]


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
        "The translator process is CPU-bound and about half of its CPU is the translation "
        "itself (profile 'translate maasdal' below: `Translator._translate`), the rest is the "
        "same aiokafka work the passthrough does. Timed here per Maasdal message, without "
        "Kafka:",
        "",
        "| part | µs per message |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value:.1f} |" for name, value in costs.items()]
    lines += [
        "",
        "A message is validated three times as pydantic models (MaasdalBericht, the fact, the "
        "envelope with its Ownership), and `contracts._ownership.classify` walks every field "
        "of the fact by reflection for each event: per field it reads "
        "`type(fact).model_fields` (a pydantic descriptor), scans the field's metadata for a "
        "`Marking`, and compares classifications through `Classification.rank`, which builds "
        "`list(Classification)` on every call.",
        "",
        "**Fixes**, largest first:",
        "",
        "1. contracts/_ownership.py: cache the markings per model class, e.g. "
        "`@functools.cache def _marked_fields(model: type[BaseModel]) -> "
        "tuple[tuple[str, Marking | None], ...]` (name and `field_marking(model, name)` for "
        "each field), used by `_markings_with_values` (and `_exclusions`) instead of "
        "`model_fields` + `field_marking` per field and call; and make `Classification.rank` "
        "a lookup in a module-level `{member: index}` dict. Tried on the samples while "
        "writing this benchmark (outside the repository): classify about 7 times faster, with "
        "the same result for every sample.",
        "2. contracts/_envelope.py `CanonicalEvent.to_kafka`: keep the `ce_` header names as "
        "module constants and the `dataschema`/`type` strings per fact type in a dict "
        "(computed once), instead of building and encoding them per event.",
        "3. Not a fix: `model_validate_json` would halve the parse, but pydantic reads JSON "
        "numbers for `Decimal` fields through a float (`64.90` becomes `64.9`, long decimals "
        "are rounded), so Maasdal's `json.loads(parse_float=Decimal)` must stay.",
        "",
        "With (1) and (2) the translation work drops by about a fifth; reaching "
        f"{TRANSLATE_TARGET:.0%} of the passthrough needs it at about a third of today's, "
        "so beyond them the lever is structural: translate the next batch while the current "
        "transaction commits (connectors/translator.py `Translator.run`: the CPU work of "
        "batch n+1 overlaps the broker round trips of batch n's `send_offsets_to_transaction` "
        "and `commit`), or more translator instances (the design's scaling path: one per "
        "partition).",
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
            "heuvelland": "Heuvelland's XML parse (`parse_batch`, ElementTree) and "
            "`EnumType.__len__`, which is `Classification.rank` building `list(Classification)` "
            "(fix 1 removes it)",
            "gulpdal": "Gulpdal's content-derived ids (`_identity` → `_normal` NFC-normalises and "
            "regex-matches every field of every row; checking `unicodedata.is_normalized` first "
            "would skip most of that work)",
            "roerdal": "Roerdal's `to_kafka` share and its `strptime`-based times",
        }
        specifics = "; ".join(own[partner] for partner in others if partner in own)
        lines += [
            f"The other formats below the target ({names}) pay the same envelope costs per "
            "event (classify, `to_kafka`) plus their own reading, as their profiles "
            "('translate <partner>') show"
            + (f": {specifics}" if specifics else "")
            + ". Fixes (1) and (2) apply to every partner alike.",
            "",
        ]
    return lines


def _sniffio_missing() -> bool:
    """httpcore imports sniffio on every request; a failing import is never cached."""
    return importlib.util.find_spec("sniffio") is None


def _httpcore_cost_us() -> float:
    """Without sniffio httpcore answers "asyncio" after the failed import: no loop needed."""
    from httpcore._synchronization import current_async_library

    return _us(current_async_library, number=500)


def _sniffio(results: Results) -> list[str]:
    if not results.delivery or not _sniffio_missing():
        return []
    cost = _httpcore_cost_us()
    return [
        "### Every HTTP call imports a missing module: `sniffio` (router, delivery)",
        "",
        "`httpcore._synchronization.current_async_library()` runs `import sniffio` inside a "
        "`try` on each call, and httpcore calls it several times per request (its locks, "
        "`AsyncShieldCancellation` when a response closes). sniffio is not installed, and a "
        "failed import is not cached, so every call searches `sys.path` again: "
        f"{cost:.1f} µs per call here (0.5 µs with sniffio installed). In the delivery "
        "profile the import machinery (`_find_and_load`, `FileFinder.find_spec`) is about 15% "
        "of the router's CPU. A what-if run with sniffio on the path (while writing this "
        "benchmark, quick scale, busy machine) moved the worker from 476 to 713 facts/s and "
        "the bare loop from 858 to 1,521 requests/s.",
        "",
        "**Fix** (pyproject.toml): `uv add sniffio==1.3.1` as a runtime dependency (httpx "
        "0.28 / httpcore 1.0 no longer pull it in). Nothing in the code changes.",
        "",
    ]


def _delivery(results: Results) -> list[str]:
    if not results.delivery:
        return []
    worker, bare = results.delivery["worker"], results.delivery["bare"]
    ratio = worker.per_second / bare.per_second
    if ratio >= DELIVERY_TARGET:
        return []
    return [
        f"### delivery at {ratio:.0%} of the bare httpx loop: pool contention and a wait per fact",
        "",
        "The worker's shape is no longer the cause: it runs exactly `concurrency` long-lived "
        "lanes (router/delivery.py); moving from a task per order behind a semaphore to lanes "
        "changed CPU per fact by less than the noise (1,419–1,493 µs before, 1,332–1,481 µs "
        "after; the bare loop ~620–650 µs per request). Measured apart, with patches applied "
        "outside the repository only:",
        "",
        "1. **httpcore's connection pool** (httpcore 1.0, issue encode/httpcore#822): several "
        "lanes resume at once (one Kafka acknowledgement answers several status-clock writes), "
        "their requests enter the pool together, all are handed the same idle connection and "
        "all but one retry (1.47 pool retries per request against 0.02 in the bare loop). With "
        "the pool patched: 56–61% of the bare loop.",
        "2. **The onderhoud status clock waits for Kafka's acknowledgement on every fact** "
        "(router/destinations/onderhoud/status_clock.py, `send_and_wait`), which is what makes "
        "the lanes resume in bursts. Not waiting per fact gives 60–64%; both together give no "
        "more. The clock must still be durable before the offsets are committed, so the fix is "
        "to send without waiting and await every pending clock write just before each commit.",
        "3. **The router's own work per fact** (~400 µs: reading the record, parsing the event, "
        "entitlement, mapping, retry wrapper, the status record) is the rest of the gap.",
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
        "the machine's two cores; a stage whose CPU per message leaves little headroom at "
        "this rate queues, and its queue is the tail. The fixes above for the stage named here "
        "are the fixes for this target (for the router: sniffio and the lane workers; for the "
        "translator: the classify cache). The webhook's own 40 ms (TCP_NODELAY) is not in this "
        "figure, which starts at the 2xx; it even makes it look shorter ('from send' columns "
        "show the latency from the partner's request instead).",
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


FINDINGS = (_tcp_nodelay, _translate, _sniffio, _delivery, _e2e, _memory)


def findings(results: Results) -> list[str]:
    found = []
    for finding in FINDINGS:
        try:
            found += finding(results)
        except Exception as exc:  # a finding must never cost the report
            found += [f"(finding {finding.__name__} failed: {type(exc).__name__}: {exc})", ""]
    if not found:
        return []
    return ["## Causes of missed targets, and the proposed fixes", "", *found]
