"""``python -m bench [--quick]``: run every measurement and write docs/performance.md."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

from bench import broker_ceiling, delivery, end_to_end, ingress, report, translate
from bench._context import FULL, PROJECT_ROOT, QUICK, SMOKE, Context
from bench._kafka import delete_topics
from bench._machine import machine, versions
from bench._results import Results, load
from bench._samples import canonical_record_bytes
from contracts import KafkaSettings
from devkit.local_kafka import LocalKafka

Stage = Callable[[Context, Results], Awaitable[None]]
STAGES: dict[str, tuple[str, Stage]] = {
    "broker": ("(1) broker ceiling: Kafka's perf tools", broker_ceiling.run),
    "translate": ("(2)+(3) passthrough and translate per partner", translate.run_partners),
    "replay": ("(3) bulk replay", translate.run_replay),
    "delivery": ("(5) delivery", delivery.run),
    "ingress": ("(4) webhook ingress", ingress.run),
    "e2e": ("(6)+(7) end to end and memory", end_to_end.run),
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure ketenbus against its ceilings and write docs/performance.md.",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller counts, 10 s e2e steps")
    size.add_argument(
        "--smoke",
        action="store_true",
        help="developing the benchmark: tiny counts, report under var/bench/ unless --report",
    )
    parser.add_argument(
        "--only", help=f"comma-separated stages to run (default all): {', '.join(STAGES)}"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy runs")
    parser.add_argument("--report", type=Path, help="where to write (default docs/performance.md)")
    parser.add_argument("--note", default="", help="a remark for the report's banner")
    parser.add_argument("--keep-topics", action="store_true", help="leave the run's topics")
    parser.add_argument(
        "--render",
        metavar="RESULTS_JSON",
        help="measure nothing: write the report again from a run's results.json",
    )
    return parser.parse_args(argv)


def _banner(scale: str, note: str, load: str) -> str:
    if scale == "full":
        text = "Full run (`make bench`)."
    else:
        text = (
            f"**{scale.capitalize()} run** (`--{scale}`: smaller counts and shorter steps than "
            "the full run), so the figures are indicative only; the full run (`make bench`) "
            "on a quiet machine replaces this page."
        )
    text += f" Load average at the start: {load} on this machine's cores."
    if note:
        text += f" {note}"
    return "> " + text


async def _run(args: argparse.Namespace, command: str) -> int:
    scale = SMOKE if args.smoke else QUICK if args.quick else FULL
    broker = LocalKafka.from_env()
    if broker.pid() is None or not broker.is_ready():
        # Never stopped by the benchmark: the broker is shared.
        await asyncio.to_thread(broker.start)
    ctx = Context(
        scale,
        broker.bootstrap_servers,
        profile=not args.no_profile,
        broker_pid=broker.pid() or 0,
    )
    logging.basicConfig(
        level=logging.WARNING,
        filename=ctx.work_dir / "bench.log",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    wanted = args.only.split(",") if args.only else list(STAGES)
    unknown = sorted(set(wanted) - set(STAGES))
    if unknown:
        ctx.console.print(f"[red]unknown stages {unknown}; known: {list(STAGES)}")
        return 2
    results = Results(
        scale=scale.name, command=command, started_at=time.strftime("%Y-%m-%d %H:%M:%S %Z")
    )
    results.machine = machine()
    results.versions = versions()
    results.canonical_bytes = canonical_record_bytes()[0]
    ctx.console.print(f"[bold]ketenbus benchmark[/] ({scale.name}), topics {ctx.prefix}*")
    failed = []
    try:
        for name in wanted:
            title, stage = STAGES[name]
            ctx.console.rule(title)
            started = time.monotonic()
            try:
                await stage(ctx, results)
            except Exception as exc:
                failed.append(name)
                results.note(f"stage {name} failed: {type(exc).__name__}: {exc}")
                ctx.console.print(f"[bold red]{name} failed:[/] {exc}")
                (ctx.work_dir / f"{name}-error.txt").write_text(traceback.format_exc())
            ctx.console.print(f"  ({time.monotonic() - started:.0f} s)")
    finally:
        if not args.keep_topics:
            deleted = await delete_topics(
                KafkaSettings(bootstrap_servers=ctx.bootstrap_servers), ctx.prefix
            )
            ctx.console.print(f"deleted the run's {len(deleted)} topics")
    results.finished_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    target = args.report or (
        ctx.work_dir / "performance.md"
        if scale is SMOKE
        else PROJECT_ROOT / "docs" / "performance.md"
    )
    report.write(
        results,
        target,
        _banner(scale.name, args.note, results.machine["load at start (1, 5, 15 min)"]),
    )
    ctx.console.print(f"[green]wrote {target}[/]")
    for row in report.table(results):
        ctx.console.print("  " + " | ".join(cell for cell in row if cell))
    if failed:
        ctx.console.print(f"[bold red]failed stages: {failed}[/] (see {ctx.work_dir})")
        return 1
    return 0


def _render(args: argparse.Namespace) -> int:
    results = load(args.render)
    target = args.report or PROJECT_ROOT / "docs" / "performance.md"
    load_text = results.machine.get("load at start (1, 5, 15 min)", "unknown")
    report.write(results, target, _banner(results.scale, args.note, load_text))
    print(f"wrote {target} from {args.render}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.render:
        return _render(args)
    if os.environ.get("MAKELEVEL") and not argv and len(sys.argv) == 1:
        command = "make bench"
    else:
        command = shlex.join([".venv/bin/python", "-m", "bench", *sys.argv[1:]])
    # On uvloop, as every ketenbus process runs: in-process figures and ceilings alike.
    return uvloop.run(_run(args, command))


if __name__ == "__main__":
    sys.exit(main())
