"""The VERA reference back office: the corporation's systems, played for tests and the demo.

Three systems, each under its own prefix and API key, driven by the VERA specs:
``onderhoud`` and ``financien`` (``OHD.yaml``), ``relaties`` (``BRG.yaml``). It
validates every body against the spec (plus the corporation's stricter rules),
treats a repeated ``X-Stuurgegevens-Referentienummer`` as the same request,
records what it was sent, and injects faults on request. See
``docs/reference-backoffice.md``.
"""

from ._app import create_app
from ._cli import main
from ._server import BackOfficeServer
from ._spec import SYSTEMS
from ._state import (
    IDEMPOTENCY_WINDOW,
    Answer,
    BackOfficeState,
    CallRecord,
    Fault,
    FaultError,
    Received,
)
from ._validation import Problem

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "SYSTEMS",
    "Answer",
    "BackOfficeServer",
    "BackOfficeState",
    "CallRecord",
    "Fault",
    "FaultError",
    "Problem",
    "Received",
    "create_app",
    "main",
]
