"""The demo (``ketenbus-dev demo``, ``make demo``): the whole chain once, with real processes
on a real Kafka.

1. Start the local Kafka (if it does not run), the VERA reference back office
   validating every call against the VERA specs (``contracts/vera``), the partner
   simulators (Roerdal's feed, Maasdal's order API) and the five ketenbus processes
   (``webhook``, ``ingress``, ``translate``, ``route``, ``outbound``), each its own
   process, on topics of this run's own prefix (``_stack.py``).
2. Feed every partner through its own channel: Maasdal's order history as signed
   webhook calls, a Heuvelland and a Gulpdal file in their inboxes, Roerdal's pages
   served by its simulator when ingress polls; and two new work orders from the
   maintenance system onto ``keten.workorders.v1`` (``_feed.py``).
3. Wait until everything has arrived (``_collect.py``), print per destination what the
   corporation received and the work orders that reached Maasdal's API and Heuvelland's
   outbox, and end with whether every call was valid VERA (``_report.py``).

Exit code 0 when everything arrived and every call was valid VERA.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from aiokafka.errors import KafkaError
from rich.console import Console

from contracts.kafka import KafkaSettings
from devkit.demo._collect import wait_for_everything
from devkit.demo._feed import drop_files, produce_workorders, roerdal_pages, send_webhooks
from devkit.demo._report import print_outcome, print_sent, print_verdict
from devkit.demo._stack import (
    DEMO_DIR,
    DemoError,
    run_prefix,
    start_stack,
    wait_until_answering,
)
from devkit.local_kafka import LocalKafka, LocalKafkaError
from kit.kafka.topics import delete_prefixed_topics

__all__ = ["run_demo"]

WAIT_SECONDS = 45.0  # for everything to arrive once fed (it takes a few seconds)


def run_demo(*, vera_specs: Path, keep_kafka: bool) -> int:
    # Written to a file or a CI log, rich would wrap every table at 80 columns; a
    # terminal's width, or COLUMNS where it is set, wins.
    wide = sys.stdout.isatty() or "COLUMNS" in os.environ
    console = Console(width=None if wide else 150)
    started = time.monotonic()
    # The demo's own clients (its checks, the warehouse reader) log nothing ops need here.
    for noisy in ("httpx", "aiokafka"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    broker = LocalKafka.from_env()
    kafka_was_running = broker.pid() is not None and broker.is_ready()
    try:
        with console.status("starting the local Kafka (first run fetches its jars)..."):
            broker.start()
    except LocalKafkaError as exc:
        console.print(f"[bold red]demo failed:[/] kafka: {exc}")
        return 1
    kafka_ready = time.monotonic()
    console.print(f"[green]kafka[/] ready on {broker.bootstrap_servers}")
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers, topic_prefix=run_prefix())
    try:
        try:
            with ExitStack() as processes:
                stack = start_stack(processes, console, kafka, vera_specs)
                # Files and work orders wait for their readers, so they go while the
                # processes start; the webhook must answer first.
                durable = [*drop_files(stack), roerdal_pages(), *produce_workorders(kafka)]
                with console.status("waiting for the processes to start..."):
                    wait_until_answering(stack)
                running = time.monotonic()
                sent = send_webhooks(stack) + durable
                outcome = wait_for_everything(stack, console, WAIT_SECONDS)
                arrived = time.monotonic()
        finally:
            _delete_topics(console, kafka)
        print_sent(console, sent, outcome.roerdal_calls)
        print_outcome(console, outcome)
        console.print(
            f"demo done in {time.monotonic() - started:.1f} s: kafka "
            f"{kafka_ready - started:.1f} s, processes answering {running - kafka_ready:.1f} s, "
            f"then all arrived in {arrived - running:.1f} s; logs and files in {DEMO_DIR}"
        )
        return 0 if print_verdict(console, outcome) else 1
    except DemoError as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        return 1
    finally:
        if not keep_kafka and not kafka_was_running:
            broker.stop()


def _delete_topics(console: Console, kafka: KafkaSettings) -> None:
    """The run's own topics (its prefix), nothing else: the next run starts clean."""
    try:
        asyncio.run(delete_prefixed_topics(kafka))
    except (KafkaError, OSError) as exc:
        console.print(f"could not delete the topics {kafka.topic_prefix}*: {type(exc).__name__}")
