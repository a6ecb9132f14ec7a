"""The VERA OpenAPI specifications and reference data, shipped with ketenbus.

One place for the files that say what the corporation's systems accept (see the
README beside this module for their sources and licences).
"""

from __future__ import annotations

from pathlib import Path

SPECS_DIR = Path(__file__).resolve().parent
REFERENTIEDATA = SPECS_DIR / "Referentiedata.csv"

__all__ = ["REFERENTIEDATA", "SPECS_DIR"]
