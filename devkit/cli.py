"""The ``ketenbus-dev`` command: the local Kafka, the stand-ins and the demo.

ketenbus-dev kafka start|stop|status|install|wipe
ketenbus-dev demo
ketenbus-dev backoffice --spec-dir ... --api-key onderhoud=KEY
ketenbus-dev simulators --port 8090 --roerdal-page page-1.json ...

Development only: the product's own command is ``ketenbus`` (ketenbus/cli.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from contracts.vera import SPECS_DIR
from devkit.local_kafka import LocalKafka, LocalKafkaError
from ketenbus.logging_setup import configure_logging

app = typer.Typer(
    help="ketenbus's development kit: the local Kafka, the stand-ins, the demo.",
    no_args_is_help=True,
    add_completion=False,
)
kafka_app = typer.Typer(help="The local Apache Kafka (one KRaft node on loopback).")
app.add_typer(kafka_app, name="kafka")

# The stand-ins parse their own options (argparse, so ``python -m devkit.<stand-in>``
# runs one too): these commands hand every argument on, ``--help`` included.
_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.callback()
def main(
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    # The demo's own lines and its clients follow the rules of every ketenbus process.
    configure_logging(log_level)


@app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def backoffice(ctx: typer.Context) -> None:
    """Run the VERA reference back office (its own options: --help)."""
    from devkit.reference_backoffice import main as backoffice_main

    raise typer.Exit(backoffice_main(ctx.args))


@app.command(context_settings=_PASS_THROUGH, add_help_option=False)
def simulators(ctx: typer.Context) -> None:
    """Run the partner simulators, Roerdal's feed and Maasdal's API (options: --help)."""
    from devkit.partner_simulators import main as simulators_main

    raise typer.Exit(simulators_main(ctx.args))


@app.command()
def demo(
    vera_specs: Annotated[
        Path,
        typer.Option(
            envvar="KETENBUS_VERA_SPECS",
            help="Folder with the VERA OHD.yaml and BRG.yaml the back office validates "
            "every call against; default: the release ketenbus ships.",
        ),
    ] = SPECS_DIR,
    keep_kafka: Annotated[bool, typer.Option(help="Leave the local Kafka running.")] = False,
) -> None:
    """Run the whole chain once: every partner in, every destination and both outbound
    targets out, every call checked against VERA (docs/demo.md)."""
    from devkit.demo import run_demo

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
