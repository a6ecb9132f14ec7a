"""Shared helpers for the reference back office tests: headers, keys, bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import count
from typing import Any

import httpx
import simplejson

API_KEYS = {"onderhoud": "key-onderhoud", "financien": "key-financien", "relaties": "key-relaties"}
ORDER = "WL-2026-004711"
_refs = count(1)


def stuurgegevens(referentienummer: str | None = None) -> dict[str, str]:
    """The headers the corporation requires, with a fresh Referentienummer unless given."""
    return {
        "X-Stuurgegevens-Zender-Organisatie": "ketenbus",
        "X-Stuurgegevens-Tijdstip-Bericht": "2026-11-28T08:41:00Z",
        "X-Stuurgegevens-Referentienummer": referentienummer or f"ref-{next(_refs):05d}",
    }


def headers_for(system: str, referentienummer: str | None = None) -> dict[str, str]:
    """API key and stuurgegevens for one call to ``system``."""
    return {"X-API-KEY": API_KEYS[system], **stuurgegevens(referentienummer)}


def decimal_json(response: httpx.Response) -> Any:
    """A response body read the way the back office reads bodies: fractions as Decimal."""
    return json.loads(response.content, parse_float=Decimal)


def tge_body() -> dict[str, Any]:
    """A completion (TGE) PATCH as the router sends it, amounts as exact Decimals."""
    return {
        "status": {"code": "TEC"},
        "technischGereeddatum": "2026-11-28T08:40:00Z",
        "onderhoudstaken": [
            {
                "status": {"code": "GER"},
                "onderhoudsbestedingen": [
                    {
                        "soort": {"code": "WER"},
                        "aantal": Decimal("1.25"),
                        "meeteenheid": {"code": "UUR"},
                    },
                    {
                        "soort": {"code": "MAT"},
                        "aantal": 2,
                        "meeteenheid": {"code": "STK"},
                        "bedrag": Decimal("7.80"),
                    },
                ],
            }
        ],
        "defecten": [{"oorzaak": {"code": "SLT"}}],
    }


def dumps(body: Any) -> bytes:
    """JSON with Decimals written digit for digit (as the router must send them)."""
    return simplejson.dumps(body, use_decimal=True).encode()
