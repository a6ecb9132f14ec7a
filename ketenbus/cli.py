"""The ``ketenbus`` command: run the processes, keep the contract, decide dead letters.

ketenbus contracts generate|check
ketenbus --config ketenbus.toml webhook|ingress|translate|route|outbound
ketenbus --config ketenbus.toml deadletters list|show|replay|discard

The local Kafka, the demo and the stand-ins are development tools, not product:
``ketenbus-dev`` (devkit/cli.py), which the built wheel does not contain.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ketenbus.config import InvalidConfiguration, KetenbusSettings, load_settings
from ketenbus.logging_setup import configure_logging

app = typer.Typer(
    help="ketenbus: partner messages in, canonical facts on Kafka, VERA calls out.",
    no_args_is_help=True,
    add_completion=False,
)
contracts_app = typer.Typer(
    help="The canonical contract: JSON Schemas, AsyncAPI document, catalogue examples."
)
app.add_typer(contracts_app, name="contracts")
deadletters_app = typer.Typer(
    help="The dead letters: list, show, replay or discard them (docs/dead-letters.md).",
    no_args_is_help=True,
)
app.add_typer(deadletters_app, name="deadletters")

_config_path: Path | None = None


@app.callback()
def main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="KETENBUS_CONFIG", help="TOML configuration file."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    global _config_path
    _config_path = config
    configure_logging(log_level)


def _settings(process: str) -> KetenbusSettings:
    """The sections ``process`` reads; a problem is one line each (names, never values)."""
    try:
        return load_settings(_config_path, process=process)
    except InvalidConfiguration as exc:
        for problem in exc.problems:
            typer.echo(f"configuration error: {problem}", err=True)
        raise typer.Exit(2) from None


T = TypeVar("T")


def _run(main: Coroutine[Any, Any, T]) -> T:
    """Run a command's work on uvloop's event loop: the same asyncio API, with its loop,
    sockets and timers in C (libuv). It took a third off the router's and the
    translator's CPU per message end to end (docs/performance.md)."""
    import uvloop

    return uvloop.run(main)


def _run_until_signalled(
    process: str, service: Callable[[KetenbusSettings, asyncio.Event], Awaitable[None]]
) -> None:
    from kit.engine.stage import StageStopped
    from kit.kafka.transactions import quiet_fatal_futures

    settings = _settings(process)

    async def runner() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        quiet_fatal_futures(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await service(settings, stopping)

    try:
        _run(runner())
    except (StageStopped, ExceptionGroup) as exc:
        # A process that cannot go on says so in one line, without a traceback.
        stopped: BaseException | None = exc
        rest = None
        if isinstance(exc, ExceptionGroup):
            stopped, rest = exc.split(StageStopped)
        if stopped is None or rest is not None:
            raise
        for reason in _leaves(stopped):
            logging.getLogger("ketenbus").critical("%s", reason)
        raise typer.Exit(1) from None


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


@app.command()
def webhook() -> None:
    """Serve the partners' webhooks; store each message raw on Kafka before answering."""
    from ketenbus.services import run_webhook

    _run_until_signalled("webhook", run_webhook)


@app.command()
def ingress() -> None:
    """Run the partners' pull channels (file inboxes, pollers); store each original raw."""
    from ketenbus.services import run_ingress

    _run_until_signalled("ingress", run_ingress)


@app.command()
def outbound() -> None:
    """Hand the maintenance system's new work orders to the partners named in them."""
    from ketenbus.services import run_outbound

    _run_until_signalled("outbound", run_outbound)


@app.command()
def translate() -> None:
    """Translate raw partner messages into canonical facts (Kafka transactions)."""
    from ketenbus.services import run_translator

    _run_until_signalled("translate", run_translator)


@app.command()
def route() -> None:
    """Deliver canonical facts to every configured destination of the corporation."""
    from ketenbus.services import run_router

    _run_until_signalled("route", run_router)


@contracts_app.command("generate")
def contracts_generate() -> None:
    """Rebuild contracts/schemas/, docs/asyncapi.yaml, docs/webhook-openapi.json and the
    examples in docs/contracts.md from the code; refuse a change that would break a v1
    consumer."""
    # The webhook's document is built from the partner registry (connectors), which the
    # contracts layer below it must not import: the two are joined here, at the top.
    from connectors.channels.webhook import openapi as webhook_openapi
    from contracts.generate import generate

    changed, breaking = generate()
    for problem in breaking:
        typer.echo(f"breaking: {problem}", err=True)
    if breaking:
        typer.echo("nothing written: a breaking change needs a new major version", err=True)
        raise typer.Exit(1)
    if webhook_openapi.write():
        changed.append("docs/webhook-openapi.json")
    typer.echo("\n".join(changed) if changed else "contracts: up to date")


@contracts_app.command("check")
def contracts_check(
    baseline_ref: Annotated[
        str | None,
        typer.Option(help="A git ref whose committed schemas are the v1 baseline (CI)."),
    ] = None,
) -> None:
    """Exit 1 when a generated file is out of date or a change would break v1 consumers."""
    from connectors.channels.webhook import openapi as webhook_openapi
    from contracts.generate import check

    problems = check(baseline_ref)
    if webhook_openapi.drifted():
        problems.append("docs/webhook-openapi.json: out of date")
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("contracts: up to date and compatible")


# -- ketenbus deadletters (the logic: ketenbus/deadletters/) ------------------------------

_By = Annotated[
    str | None, typer.Option("--by", help="Who decides (default: $USER).", show_default=False)
]
_Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _deadletters(work: Callable[[Any], Coroutine[Any, Any, Any]]) -> Any:
    """Run one dead-letter operation on the configured Kafka; a typed error or a Kafka
    error is one line on stderr and exit 1 (never a record's content)."""
    from aiokafka.errors import KafkaError

    from ketenbus.deadletters import DeadLetterError

    kafka = _settings("deadletters").kafka
    try:
        return _run(work(kafka))
    except DeadLetterError as exc:
        typer.echo(f"deadletters: {exc}", err=True)
        raise typer.Exit(1) from None
    except KafkaError as exc:
        typer.echo(f"deadletters: Kafka error {type(exc).__name__}", err=True)
        raise typer.Exit(1) from None


@deadletters_app.command("list")
def deadletters_list(
    stages: Annotated[list[str] | None, typer.Argument(help="Stages (default: all).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include replayed and discarded.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """One row per dead letter (from its headers), open ones only unless --all."""
    from ketenbus.deadletters import load
    from ketenbus.deadletters.render import as_json as to_json
    from ketenbus.deadletters.render import console, table

    entries = _deadletters(lambda kafka: load(kafka, stages or None, include_resolved=all_))
    if as_json:
        typer.echo(to_json(entries))
    else:
        console().print(table(entries))


@deadletters_app.command("show")
def deadletters_show(
    stage: Annotated[str, typer.Argument(help="e.g. onderhoud, translate, outbound-maasdal")],
    ref: Annotated[str, typer.Argument(help="partition:offset or the message id")],
    value: Annotated[
        bool, typer.Option("--value", help="Also print the value (may be personal data).")
    ] = False,
) -> None:
    """Every header of a dead letter, the destination's answer and the decision."""
    from ketenbus.deadletters import find
    from ketenbus.deadletters.render import console, show, show_value

    entry = _deadletters(lambda kafka: find(kafka, stage, ref))
    console().print(show(entry))
    if value:
        typer.echo(show_value(entry))


@deadletters_app.command("replay")
def deadletters_replay(
    stage: Annotated[str, typer.Argument()],
    refs: Annotated[
        list[str] | None, typer.Argument(help="partition:offset or message ids")
    ] = None,
    all_open: Annotated[bool, typer.Option("--all-open", help="Every open one of STAGE.")] = False,
    by: _By = None,
    reason: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
    force: Annotated[bool, typer.Option(help="Replay one already decided again.")] = False,
    yes: _Yes = False,
) -> None:
    """Send dead letters back to their stage (same event id), with a decision record."""
    from ketenbus.deadletters import replay, select
    from ketenbus.deadletters.render import done_line

    _one_way(refs, all_open)
    who = by or os.environ.get("USER", "")
    entries = _deadletters(
        lambda kafka: select(kafka, stage, refs or [], all_open=all_open, force=force)
    )
    if not entries:
        typer.echo(f"no open dead letters in {stage}")
        return
    if not yes:
        typer.confirm(f"replay {len(entries)} dead letter(s) of {stage}?", abort=True)
    for item in _deadletters(lambda kafka: replay(kafka, entries, by=who, reason=reason)):
        typer.echo(done_line(item))


@deadletters_app.command("discard")
def deadletters_discard(
    stage: Annotated[str, typer.Argument()],
    refs: Annotated[list[str], typer.Argument(help="partition:offset or message ids")],
    reason: Annotated[str, typer.Option(help="Why it need not be delivered.")],
    by: _By = None,
    force: Annotated[bool, typer.Option(help="Discard one already decided.")] = False,
    yes: _Yes = False,
) -> None:
    """Mark dead letters resolved without replaying them (a decision record only)."""
    from ketenbus.deadletters import discard, select
    from ketenbus.deadletters.render import done_line

    who = by or os.environ.get("USER", "")
    entries = _deadletters(lambda kafka: select(kafka, stage, refs, force=force))
    if not yes:
        typer.confirm(f"discard {len(entries)} dead letter(s) of {stage}?", abort=True)
    for item in _deadletters(lambda kafka: discard(kafka, entries, by=who, reason=reason)):
        typer.echo(done_line(item))


def _one_way(refs: list[str] | None, all_open: bool) -> None:
    if bool(refs) == all_open:
        typer.echo("deadletters: name the dead letters (REF...) or pass --all-open", err=True)
        raise typer.Exit(2)
