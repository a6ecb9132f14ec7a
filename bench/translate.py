"""(2) The Python ceiling and (3) ketenbus translate, on the same raw records.

For every partner in ``connectors.registry.partners()`` with a translatable sample,
its raw topic is filled with copies of its samples (Maasdal's made unique: each
message its own id and order), gzip-compressed like the RawWriter writes them. Then,
reading the same records:

* **passthrough (2)**: bare aiokafka consume → produce with the translator's settings
  (``bench/_passthrough.py``): ``getmany`` up to 500 records, one transaction per batch
  (idempotent, ``acks=all``), ``send_offsets_to_transaction``, ``read_committed``. It
  forwards each record as it is: no parsing, no adapter, no envelope.
* **translate (3)**: ``connectors.translator.Translator`` itself (the same class
  ``ketenbus translate`` runs), with the partner's adapter.

Throughput is counted from the end of the first batch (so the consumer group join is
left out) to the end of the last; the Translator runs its own ``run`` loop and its
own counters tell what is done. The bulk replay runs the Translator over
``replay_records`` Maasdal messages with a progress bar.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bench import compare
from bench._context import TRANSLATE_TARGET, Context
from bench._kafka import delete_topics, fill_topic
from bench._passthrough import Passthrough
from bench._profile import Profiler
from bench._results import Results, Throughput
from bench._samples import MAASDAL, iter_maasdal_messages, maasdal_raw, partner_samples
from connectors.registry import partners
from connectors.translator import Translator
from contracts import KafkaRecord, KafkaSettings
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka.topics import ensure_topics

RAW_COMPRESSION = "gzip"  # what the RawWriter writes
_STALL_SECONDS = 60.0
PROFILE_RECORDS_PER_SECOND = 10_000  # enough records for about profile_seconds of work


def _raw_records(partner_id: str, count: int, tag: str) -> Iterator[KafkaRecord]:
    if partner_id == MAASDAL:
        for message in iter_maasdal_messages(count, tag):
            yield maasdal_raw(message).to_kafka()
        return
    samples = partner_samples(partner_id)
    for sample in itertools.islice(itertools.cycle(samples), count):
        yield sample.raw.to_kafka()


def _count_for(partner_id: str, wanted: int) -> int:
    """Fewer copies of big samples (a file batch), so every partner moves similar bytes."""
    samples = partner_samples(partner_id)
    mean = sum(len(s.raw.body) for s in samples) / len(samples)
    budget = wanted * 800  # bytes: ``wanted`` Maasdal-sized messages
    return max(min(wanted, int(budget / mean)), min(wanted, 200))


async def _timed(
    step: Callable[[], Awaitable[int]],
    total: int,
    *,
    on_first: Callable[[], None] | None = None,
    advance: Callable[[int], None] | None = None,
) -> tuple[int, float]:
    """Run ``step`` until ``total`` records passed; (records after the first batch, s)."""
    done = first = 0
    started = last = time.monotonic()
    while done < total:
        got = await step()
        now = time.monotonic()
        if got:
            if not done:
                first, started = got, now
                if on_first is not None:
                    on_first()
            done += got
            last = now
            if advance is not None:
                advance(got)
        elif now - last > _STALL_SECONDS:
            raise RuntimeError(f"no records for {_STALL_SECONDS:.0f} s after {done} of {total}")
    return done - first, last - started


async def passthrough(kafka: KafkaSettings, source: str, total: int) -> Throughput:
    """The bare aiokafka consume → produce loop with the translator's transaction settings."""
    group = f"{kafka.topic_prefix}bench-passthrough"
    target = f"{kafka.topic_prefix}bench.passthrough"
    await ensure_topics(kafka, [target], RAW_TOPIC_CONFIG)
    loop = Passthrough(kafka.bootstrap_servers, source, target, group)
    await loop.start()
    try:
        records, seconds = await _timed(loop.step, total)
    finally:
        await loop.stop()
    return Throughput(records=records, seconds=seconds, events=records)


async def measure(
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    progress: Callable[[], tuple[int, int]],
    total: int,
    *,
    advance: Callable[[int], None] | None = None,
    on_start: Callable[[], object] | None = None,
) -> Throughput:
    """Run a ketenbus loop (``run(stopping)``) until its own counters reach ``total``.

    ``progress`` reads the process's counters as (records done, events made); they are
    polled every 5 ms, so whatever the loop pipelines internally, only finished work
    counts. The clock starts when the first records are done (the group has joined);
    ``on_start`` is called then (a profiler starts there, so start-up is not in it).
    """
    stopping = asyncio.Event()
    task = asyncio.create_task(run(stopping))
    try:
        start: tuple[int, int, float] | None = None
        done = events = 0
        changed = time.monotonic()
        while done < total:
            if task.done():
                await task
                raise RuntimeError(f"the loop stopped after {done} of {total} records")
            await asyncio.sleep(0.005)
            now = time.monotonic()
            new, events = progress()
            if new != done:
                if advance is not None:
                    advance(new - done)
                done, changed = new, now
                if start is None:
                    start = (done, events, now)
                    if on_start is not None:
                        on_start()
            elif now - changed > _STALL_SECONDS:
                raise RuntimeError(f"no progress for {_STALL_SECONDS:.0f} s at {done} of {total}")
        assert start is not None
        return Throughput(records=done - start[0], seconds=now - start[2], events=events - start[1])
    finally:
        stopping.set()
        await task


async def translate(
    kafka: KafkaSettings,
    partner_id: str,
    total: int,
    *,
    advance: Callable[[int], None] | None = None,
    on_start: Callable[[], object] | None = None,
) -> Throughput:
    """ketenbus's Translator (its own ``run`` loop) over ``total`` raw records of one partner."""
    translator = Translator(kafka, {partner_id: partners()[partner_id].inbound})
    result = await measure(
        translator.run,
        lambda: (translator.stats.records, translator.stats.outputs["event"]),
        total,
        advance=advance,
        on_start=on_start,
    )
    if translator.stats.outputs["dead_letter"]:
        raise RuntimeError(f"{partner_id}: {translator.stats.outputs['dead_letter']} dead letters")
    return result


async def run_partners(ctx: Context, results: Results) -> None:
    for partner_id in sorted(partners()):
        if not partner_samples(partner_id):
            results.note(
                f"translate: partner {partner_id} has no sample its adapter translates; "
                "not measured"
            )
            continue
        kafka = ctx.kafka(f"tr-{partner_id}")
        raw_topic = kafka.topics.raw(partner_id)
        await ensure_topics(kafka, [raw_topic], RAW_TOPIC_CONFIG)
        count = _count_for(partner_id, ctx.scale.translate_records)
        ctx.console.print(f"  {partner_id}: filling {count:,} raw records")
        await fill_topic(
            kafka, raw_topic, _raw_records(partner_id, count, "tr"), compression=RAW_COMPRESSION
        )
        ctx.console.print(f"  {partner_id}: passthrough (2)")
        results.passthrough[partner_id] = await passthrough(kafka, raw_topic, count)
        ctx.console.print(f"  {partner_id}: translate (3)")
        results.translate[partner_id] = await translate(kafka, partner_id, count)
        p, t = results.passthrough[partner_id], results.translate[partner_id]
        ctx.console.print(
            f"    passthrough {p.per_second:,.0f} rec/s, translate {t.per_second:,.0f} rec/s "
            f"({t.events_per_second:,.0f} events/s)"
        )
    ctx.console.print("  same-run comparison, as processes: passthrough, translate, Streams peer")
    await compare.run(ctx, results)
    if ctx.profile:
        # Maasdal always (the reference format), every other partner that misses the target.
        for partner_id, done in results.translate.items():
            ratio = done.per_second / results.passthrough[partner_id].per_second
            if partner_id == MAASDAL or ratio < TRANSLATE_TARGET:
                await run_profile(ctx, results, partner_id)


async def run_replay(ctx: Context, results: Results) -> None:
    """The bulk replay: ``replay_records`` Maasdal messages through the Translator."""
    kafka = ctx.kafka("replay")
    raw_topic = kafka.topics.raw(MAASDAL)
    await ensure_topics(kafka, [raw_topic], RAW_TOPIC_CONFIG)
    total = ctx.scale.replay_records
    columns = (
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=ctx.console, transient=False) as progress:
        filling = progress.add_task("fill raw topic", total=total, rate="")
        await fill_topic(
            kafka,
            raw_topic,
            _raw_records(MAASDAL, total, "replay"),
            compression=RAW_COMPRESSION,
            progress=lambda n: progress.advance(filling, n),
        )
        replaying = progress.add_task("replay (translate)", total=total, rate="")
        started = time.monotonic()

        def advance(n: int) -> None:
            progress.advance(replaying, n)
            done = progress.tasks[replaying].completed
            elapsed = time.monotonic() - started
            progress.update(replaying, rate=f"{done / elapsed:,.0f} msg/s" if elapsed else "")

        results.replay = await translate(kafka, MAASDAL, total, advance=advance)
        results.replay_total = total
    await delete_topics(kafka, kafka.topic_prefix)  # a million records: not kept meanwhile
    ctx.console.print(f"  the same {total:,} through 2 `ketenbus translate` processes")
    results.replay_processes = await compare.replay(ctx, total)


async def run_profile(ctx: Context, results: Results, partner_id: str) -> None:
    """A partner's Translator under py-spy, on raw records of its own (not measured)."""
    kafka = ctx.kafka(f"prof-tr-{partner_id}")
    raw_topic = kafka.topics.raw(partner_id)
    await ensure_topics(kafka, [raw_topic], RAW_TOPIC_CONFIG)
    wanted = int(PROFILE_RECORDS_PER_SECOND * ctx.scale.profile_seconds)
    count = _count_for(partner_id, wanted) if partner_id != MAASDAL else wanted
    await fill_topic(
        kafka, raw_topic, _raw_records(partner_id, count, "prof"), compression=RAW_COMPRESSION
    )
    profiler = Profiler(os.getpid(), ctx.work_dir / f"profile-translate-{partner_id}.txt")
    try:
        await translate(kafka, partner_id, count, on_start=profiler.__enter__)
    finally:
        profiler.__exit__()
    results.profiles[f"translate {partner_id}"] = profiler.summary(
        f"Translator over {count:,} {partner_id} records (in the benchmark process)"
    )
