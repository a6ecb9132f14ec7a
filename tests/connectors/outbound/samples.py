"""The sample work orders (VERA Onderhoudsorder JSON) shipped with the outbound connector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[3] / "connectors" / "outbound" / "samples"
PARTNERS = frozenset({"maasdal", "heuvelland", "gulpdal", "roerdal"})


def workorder(name: str) -> bytes:
    return (SAMPLES / f"{name}.json").read_bytes()


def workorder_json(name: str) -> dict[str, Any]:
    return json.loads(workorder(name))


def to_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()
