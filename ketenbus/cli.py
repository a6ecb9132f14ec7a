"""The ``ketenbus`` command: run the processes, the local Kafka, the demo.

ketenbus kafka start|stop|status|install|wipe
ketenbus contracts generate|check
ketenbus --config ketenbus.toml webhook|ingress|translate|route|outbound
ketenbus backoffice --spec-dir ... --api-key onderhoud=KEY
ketenbus demo
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from ketenbus.config import KetenbusSettings, load_settings
from ketenbus.local_kafka import LocalKafka, LocalKafkaError

app = typer.Typer(
    help="ketenbus: partner messages in, canonical facts on Kafka, VERA calls out.",
    no_args_is_help=True,
    add_completion=False,
)
kafka_app = typer.Typer(help="The local Apache Kafka (one KRaft node on loopback).")
app.add_typer(kafka_app, name="kafka")
contracts_app = typer.Typer(
    help="The canonical contract: JSON Schemas, AsyncAPI document, catalogue examples."
)
app.add_typer(contracts_app, name="contracts")

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
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _settings() -> KetenbusSettings:
    try:
        return load_settings(_config_path)
    except ValidationError as exc:
        # Names and reasons only: the input may hold secrets.
        for error in exc.errors(include_input=False, include_url=False):
            location = ".".join(str(part) for part in error["loc"])
            typer.echo(f"configuration error: {location}: {error['msg']}", err=True)
        raise typer.Exit(2) from None
    except FileNotFoundError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def _run_until_signalled(
    service: Callable[[KetenbusSettings, asyncio.Event], Awaitable[None]],
) -> None:
    settings = _settings()

    async def runner() -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await service(settings, stopping)

    asyncio.run(runner())


@app.command()
def webhook() -> None:
    """Serve the partners' webhooks; store each message raw on Kafka before answering."""
    from ketenbus.services import run_webhook

    _run_until_signalled(run_webhook)


@app.command()
def ingress() -> None:
    """Run the partners' pull channels (file inboxes, pollers); store each original raw."""
    from ketenbus.services import run_ingress

    _run_until_signalled(run_ingress)


@app.command()
def outbound() -> None:
    """Hand the maintenance system's new work orders to the partners named in them."""
    from ketenbus.services import run_outbound

    _run_until_signalled(run_outbound)


@app.command()
def translate() -> None:
    """Translate raw partner messages into canonical facts (Kafka transactions)."""
    from ketenbus.services import run_translator

    _run_until_signalled(run_translator)


@app.command()
def route() -> None:
    """Deliver canonical facts to every configured destination of the corporation."""
    from ketenbus.services import run_router

    _run_until_signalled(run_router)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def backoffice(ctx: typer.Context) -> None:
    """Run the VERA reference back office (options: see ``ketenbus backoffice --help``)."""
    from ketenbus.reference_backoffice import main as backoffice_main

    raise typer.Exit(backoffice_main(ctx.args))


@app.command()
def demo(
    vera_specs: Annotated[
        Path | None,
        typer.Option(
            envvar="KETENBUS_VERA_SPECS",
            help="Folder with the VERA OHD.yaml and BRG.yaml; the back office then "
            "validates every call against them.",
        ),
    ] = None,
    keep_kafka: Annotated[bool, typer.Option(help="Leave the local Kafka running.")] = False,
) -> None:
    """Run the whole flow once: Maasdal's messages in, the maintenance system's calls out."""
    from ketenbus.demo import run_demo

    raise typer.Exit(run_demo(vera_specs=vera_specs, keep_kafka=keep_kafka))


def _kafka_command(action: Callable[[LocalKafka], None]) -> None:
    try:
        action(LocalKafka.from_env())
    except LocalKafkaError as exc:
        typer.echo(f"kafka: {exc}", err=True)
        raise typer.Exit(1) from None


@kafka_app.command("install")
def kafka_install() -> None:
    """Resolve the broker's jars from Maven Central into .cache/kafka/libs."""
    _kafka_command(lambda broker: broker.install())


@kafka_app.command("start")
def kafka_start() -> None:
    """Start the broker in the background and wait until it is ready."""

    def start(broker: LocalKafka) -> None:
        broker.start()
        typer.echo(f"kafka ready on {broker.bootstrap_servers} (pid {broker.pid()})")

    _kafka_command(start)


@kafka_app.command("stop")
def kafka_stop() -> None:
    """Stop the broker."""
    _kafka_command(lambda broker: broker.stop())


@kafka_app.command("status")
def kafka_status() -> None:
    """Say whether the broker runs and is ready; exit 1 when it is not."""
    broker = LocalKafka.from_env()
    pid = broker.pid()
    if pid is None or not broker.is_ready():
        typer.echo("kafka: not running")
        raise typer.Exit(1)
    typer.echo(f"kafka: ready on {broker.bootstrap_servers} (pid {pid})")


@kafka_app.command("wipe")
def kafka_wipe() -> None:
    """Stop the broker and delete its data and logs."""
    _kafka_command(lambda broker: broker.wipe())


@contracts_app.command("generate")
def contracts_generate() -> None:
    """Rebuild contracts/schemas/, docs/asyncapi.yaml and the examples in docs/contracts.md
    from the models; refuse a change that would break a v1 consumer."""
    from contracts.generate import generate

    changed, breaking = generate()
    for problem in breaking:
        typer.echo(f"breaking: {problem}", err=True)
    if breaking:
        typer.echo("nothing written: a breaking change needs a new major version", err=True)
        raise typer.Exit(1)
    typer.echo("\n".join(changed) if changed else "contracts: up to date")


@contracts_app.command("check")
def contracts_check(
    baseline_ref: Annotated[
        str | None,
        typer.Option(help="A git ref whose committed schemas are the v1 baseline (CI)."),
    ] = None,
) -> None:
    """Exit 1 when a generated file is out of date or a change would break v1 consumers."""
    from contracts.generate import check

    problems = check(baseline_ref)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("contracts: up to date and compatible")
