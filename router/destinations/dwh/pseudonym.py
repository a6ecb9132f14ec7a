"""Stable keyed pseudonyms for the data warehouse: HMAC-SHA256 with a secret key.

The warehouse joins the facts of one order (lead times, first-time fix) without
knowing which order it is: the order number becomes ``HMAC-SHA256(key, "order:" +
number)``. A plain hash could be reversed by hashing every possible order number
(WL-2026-000001 ... is a small space); with the key, from configuration and never
in the warehouse, it cannot. The same input gives the same pseudonym as long as the
key stays, so a key change starts new pseudonyms (rotate only with a re-load of the
warehouse). Each kind of identifier has its own prefix, so an order's pseudonym can
never equal a dwelling's.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr


class Pseudonymiser:
    def __init__(self, key: SecretStr) -> None:
        self._key = key.get_secret_value().encode()

    def __call__(self, kind: str, value: str) -> str:
        """The pseudonym of ``value`` as a ``kind`` ("order", "unit"): 64 hex digits."""
        message = f"{kind}:{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
