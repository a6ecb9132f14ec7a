"""The partners' APIs, played for tests and the demo (loopback only, no real partner data).

* Roerdal: OAuth2 client credentials and the mutaties feed with a cursor, its rate
  limit (429 + Retry-After), tokens refused before they expire, 502/503 and slow
  answers on demand.
* Maasdal: the REST API for new work orders: 201, 409, 400 ``{"fout"}``, 401, and
  429/5xx/slow on demand.

See docs/outbound.md and docs/channels/poller.md for how the tests use them.
"""

from devkit.partner_simulators._cli import main
from devkit.partner_simulators._faults import Fault, FaultQueue
from devkit.partner_simulators._maasdal import (
    ORDERS_PATH,
    MaasdalCall,
    MaasdalSimulator,
    create_maasdal_app,
)
from devkit.partner_simulators._roerdal import (
    FEED_PATH,
    TOKEN_PATH,
    RoerdalCall,
    RoerdalSimulator,
    create_roerdal_app,
)
from devkit.partner_simulators._server import PartnerSimulators, create_app

__all__ = [
    "FEED_PATH",
    "ORDERS_PATH",
    "TOKEN_PATH",
    "Fault",
    "FaultQueue",
    "MaasdalCall",
    "MaasdalSimulator",
    "PartnerSimulators",
    "RoerdalCall",
    "RoerdalSimulator",
    "create_app",
    "create_maasdal_app",
    "create_roerdal_app",
    "main",
]
