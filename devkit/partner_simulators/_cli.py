"""``python -m devkit.partner_simulators``: the partner APIs as their own process (demo).

    SAMPLES=connectors/roerdal/samples
    python -m devkit.partner_simulators --port 8090 \
        --roerdal-page $SAMPLES/page-1.json --roerdal-page $SAMPLES/page-2.json

Roerdal is then at ``http://127.0.0.1:8090/roerdal`` and Maasdal at ``.../maasdal``;
faults are injected over each one's ``/_control/faults``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from devkit.partner_simulators._maasdal import MaasdalSimulator
from devkit.partner_simulators._roerdal import RoerdalSimulator
from devkit.partner_simulators._server import create_app

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devkit.partner_simulators",
        description="Roerdal's mutaties API and Maasdal's order API, played on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=8090, help="default: %(default)s")
    parser.add_argument(
        "--roerdal-page",
        type=Path,
        action="append",
        default=[],
        help="a page of Roerdal's feed (JSON), served in the order given; repeatable",
    )
    parser.add_argument("--roerdal-client-id", default="ketenbus")
    parser.add_argument("--roerdal-client-secret", default="roerdal-secret")
    parser.add_argument("--maasdal-token", default="maasdal-token")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    roerdal = RoerdalSimulator(
        client_id=args.roerdal_client_id, client_secret=args.roerdal_client_secret
    )
    for page in args.roerdal_page:
        roerdal.add_page(page.read_bytes())
    maasdal = MaasdalSimulator(token=args.maasdal_token)
    uvicorn.run(create_app(roerdal, maasdal), host=args.host, port=args.port, log_config=None)
    return 0
