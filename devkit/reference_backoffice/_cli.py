"""``python -m devkit.reference_backoffice``: the back office as its own process (demo)."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from contracts.vera import SPECS_DIR

from ._app import create_app
from ._spec import SYSTEMS

__all__ = ["main"]


def _api_key(text: str) -> tuple[str, str]:
    system, sep, key = text.partition("=")
    if not sep or not key or system not in SYSTEMS:
        raise argparse.ArgumentTypeError(
            f"expected SYSTEM=KEY with SYSTEM one of {', '.join(SYSTEMS)}"
        )
    return system, key


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.reference_backoffice",
        description="The corporation's VERA systems (onderhoud, financien, relaties), "
        "played for the demo and the tests.",
    )
    parser.add_argument(
        "--spec-dir",
        type=Path,
        default=SPECS_DIR,
        help="folder holding OHD.yaml and BRG.yaml; default: the VERA release ketenbus "
        "ships (%(default)s)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument(
        "--port", type=int, default=18080, help="0 = a free port; default: %(default)s"
    )
    parser.add_argument(
        "--api-key",
        type=_api_key,
        action="append",
        default=[],
        metavar="SYSTEM=KEY",
        help="the X-API-KEY of one system; repeat per system",
    )
    parser.add_argument("--access-log", action="store_true", help="log each request line")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run until interrupted; returns the process exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not args.spec_dir.is_dir():
        logging.getLogger("devkit.reference_backoffice").error(
            "--spec-dir %s is not a folder", args.spec_dir
        )
        return 2
    try:
        app = create_app(args.spec_dir, dict(args.api_key))
    except (OSError, ValueError) as exc:
        logging.getLogger("devkit.reference_backoffice").error("cannot start: %s", exc)
        return 2
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
        lifespan="off",
    )
    return 0
