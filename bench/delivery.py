"""(5) Delivery: the router's DeliveryWorker against a bare HTTP loop, same sink.

The orders topic is filled with canonical Maasdal order facts (one order each, so the
worker may run ``concurrency`` orders at once). The worker is built exactly as
``ketenbus route`` builds it (``ketenbus.services.delivery_workers`` from a
configuration with only the URL and the key, so every other setting, concurrency
included, is the shipped default). The sink keeps every request the worker made; the
bare loop then replays exactly those requests (method, path, body, Referentienummer)
with the same HTTP client (``kit.delivery.http_calls.HttpClient``, aiohttp) of the
same settings and the same number in flight, and
nothing else: no Kafka, no mapping, no entitlement, no retries, no commits. Both
call the fast sink (``bench._sink``) in its own process.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from bench._context import Context
from bench._kafka import fill_topic
from bench._procs import Child
from bench._profile import Profiler
from bench._results import Results, Throughput
from bench._samples import MAASDAL, iter_maasdal_messages, maasdal_raw, translate_events
from bench.translate import measure
from connectors.registry import partners
from contracts import KafkaRecord, KafkaSettings
from ketenbus import services
from ketenbus.config import KetenbusSettings
from kit.delivery.http_calls import HttpClient
from kit.kafka.topics import ensure_topics
from router.delivery import DeliveryWorker

API_KEY = "bench-key"
PROFILE_FACTS_PER_SECOND = 600  # enough facts for about profile_seconds of work
DESTINATION = "onderhoud"


def _records(count: int, tag: str) -> Iterator[KafkaRecord]:
    adapter = partners()[MAASDAL].inbound
    for message in iter_maasdal_messages(count, tag, onderhoud_only=True):
        for event in translate_events(adapter, maasdal_raw(message)):
            yield event.to_kafka()


def ketenbus_settings(kafka: KafkaSettings, sink_port: int) -> KetenbusSettings:
    """The configuration a deployment would write: the URL and the key, defaults otherwise."""
    return KetenbusSettings(
        kafka=kafka,
        sender_organisation="bench",
        destinations={
            DESTINATION: {
                "base_url": f"http://127.0.0.1:{sink_port}/{DESTINATION}",
                "api_key": API_KEY,
            }
        },
    )


def _worker(kafka: KafkaSettings, sink_port: int) -> tuple[Any, Any]:
    """The worker and its validated settings (typed loosely: the router's own types)."""
    settings = ketenbus_settings(kafka, sink_port)
    (worker,) = services.delivery_workers(settings)
    return worker, settings.destinations[DESTINATION]


def _finished(worker: DeliveryWorker) -> int:
    """Facts the worker is done with, whatever the outcome (its own counters)."""
    stats = worker.stats
    return sum(
        stats.outcomes[name] for name in ("delivered", "skipped", "withheld", "dead_lettered")
    )


async def _worker_run(
    ctx: Context,
    part: str,
    count: int,
    sink_port: int,
    on_start: Callable[[], object] | None = None,
) -> Throughput:
    kafka = ctx.kafka(part)
    await ensure_topics(kafka, [kafka.topics.orders])
    await fill_topic(kafka, kafka.topics.orders, _records(count, part))
    worker, _ = _worker(kafka, sink_port)
    result = await measure(
        worker.run,
        lambda: (_finished(worker), worker.stats.outcomes["delivered"]),
        count,
        on_start=on_start,
    )
    if worker.stats.outcomes["dead_lettered"]:
        raise RuntimeError(f"delivery: {worker.stats.outcomes['dead_lettered']} dead letters")
    return result


async def _bare_run(
    requests: list[tuple[str, str, str, str]], sink_port: int, concurrency: int, http_timeout: float
) -> Throughput:
    """The worker's own requests again, with the same client and settings, and nothing else."""
    bodies = [(method, path, body.encode("latin-1"), ref) for method, path, ref, body in requests]
    client = HttpClient(
        f"http://127.0.0.1:{sink_port}",
        timeout_seconds=http_timeout,
        headers={
            "X-API-KEY": API_KEY,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        connections=concurrency,
    )
    position = 0
    failures = 0

    async def lane() -> None:
        nonlocal position, failures
        while position < len(bodies):
            method, path, body, ref = bodies[position]
            position += 1
            response = await client.request(
                method,
                path,
                content=body,
                headers={
                    "X-Stuurgegevens-Zender-Organisatie": "bench",
                    "X-Stuurgegevens-Tijdstip-Bericht": "2026-12-03T14:00:00Z",
                    "X-Stuurgegevens-Referentienummer": ref,
                },
            )
            failures += response.status >= 300

    try:
        # Open the connections first: connecting is not the loop's steady cost.
        await asyncio.gather(*(client.request("GET", "/_count") for _ in range(concurrency)))
        started = time.monotonic()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(lane())
        seconds = time.monotonic() - started
    finally:
        await client.aclose()
    if failures:
        raise RuntimeError(f"bare loop: {failures} answers were not 2xx")
    return Throughput(records=len(bodies), seconds=seconds, events=len(bodies))


async def run(ctx: Context, results: Results) -> None:
    count = ctx.scale.delivery_facts
    with Child(
        "sink-delivery", ["-m", "bench._sink", "--keep"], ctx.work_dir, port_line=True
    ) as sink:
        _, destination = _worker(ctx.kafka("delivery"), sink.port)
        concurrency = int(destination.concurrency)
        results.delivery_concurrency = concurrency
        ctx.console.print(f"  DeliveryWorker: {count:,} facts, concurrency {concurrency}")
        worker = await _worker_run(ctx, "delivery", count, sink.port)
        results.delivery["worker"] = worker
        if worker.events != worker.records:
            results.note(
                f"delivery: {worker.records - worker.events} of {worker.records} facts were "
                "skipped by the router (not routed to onderhoud), counted as processed"
            )
        async with httpx.AsyncClient(timeout=60) as control:
            kept = (await control.get(f"http://127.0.0.1:{sink.port}/_requests")).json()
        ctx.console.print(f"  bare HTTP loop: the worker's {len(kept):,} requests again")
        timeout = float(getattr(destination, "timeout_seconds", 10.0))
        results.delivery["bare"] = await _bare_run(kept, sink.port, concurrency, timeout)
        b = results.delivery["bare"]
        ctx.console.print(
            f"    worker {worker.per_second:,.0f} facts/s, bare {b.per_second:,.0f} req/s"
        )
        if ctx.profile:
            profile_count = int(PROFILE_FACTS_PER_SECOND * ctx.scale.profile_seconds)
            profiler = Profiler(os.getpid(), ctx.work_dir / "profile-delivery.txt")
            try:
                await _worker_run(
                    ctx, "prof-delivery", profile_count, sink.port, on_start=profiler.__enter__
                )
            finally:
                profiler.__exit__()
            results.profiles["delivery"] = profiler.summary(
                f"DeliveryWorker over {profile_count:,} facts (in the benchmark process)"
            )
