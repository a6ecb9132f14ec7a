"""Maasdal's order API, played: new work orders from the corporation.

    POST /api/v2/opdrachten   Authorization: Bearer <token>   (JSON body, maasdal.md)

Answers as Maasdal's page says: 201 created; 409 when the order number exists
already; 400 ``{"fout": ...}`` for a bad body (each rule below names the field); 401
for a wrong token; and, on demand, 429 with ``Retry-After``, 5xx or a slow answer.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devkit.partner_simulators._faults import Fault, FaultQueue, apply, fault_from_json

ORDERS_PATH = "/api/v2/opdrachten"
_ORDER_NUMBER = re.compile(r"WL-\d{4}-\d{6}")
_POSTCODE = re.compile(r"\d{4} ?[A-Z]{2}")


@dataclass(frozen=True)
class MaasdalCall:
    at: float
    status: int
    body: Any
    authorization: str | None
    fault: bool = False


@dataclass
class MaasdalSimulator:
    token: str = "maasdal-token"
    faults: FaultQueue = field(default_factory=FaultQueue)
    calls: list[MaasdalCall] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._changed = asyncio.Event()

    def add_fault(self, status: int | None = 503, **kw: Any) -> Fault:
        return self.faults.add(Fault(path_contains=ORDERS_PATH, status=status, **kw))

    async def wait_for(self, condition: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while not condition(self):
                changed = self._changed
                await changed.wait()

    async def create(self, request: Request) -> Response:
        arrived = time.monotonic()
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        authorization = request.headers.get("Authorization")
        injected = await apply(self.faults.take(ORDERS_PATH))
        if injected is not None:
            return self._record(arrived, injected, body, authorization, fault=True)
        if not hmac.compare_digest(authorization or "", f"Bearer {self.token}"):
            answer = JSONResponse({"fout": "niet geautoriseerd"}, status_code=401)
            return self._record(arrived, answer, body, authorization)
        problem = "body is geen JSON-object" if not isinstance(body, dict) else _problem(body)
        if problem is not None:
            answer = JSONResponse({"fout": problem}, status_code=400)
            return self._record(arrived, answer, body, authorization)
        number = body["opdrachtnummer"]
        if number in self.orders:
            answer = JSONResponse({"fout": f"opdracht {number} bestaat al"}, status_code=409)
            return self._record(arrived, answer, body, authorization)
        self.orders[number] = body
        answer = JSONResponse({"opdrachtnummer": number, "status": "ontvangen"}, status_code=201)
        return self._record(arrived, answer, body, authorization)

    def _record(
        self, arrived: float, answer: Response, body: Any, authorization: str | None, **kw: Any
    ) -> Response:
        self.calls.append(MaasdalCall(arrived, answer.status_code, body, authorization, **kw))
        self._changed.set()
        self._changed = asyncio.Event()
        return answer

    async def control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return JSONResponse({"cleared": True})
        try:
            data = await request.json()
            fault = self.faults.add(fault_from_json({"path_contains": ORDERS_PATH, **data}))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"times": fault.times})

    async def control_orders(self, request: Request) -> Response:
        return JSONResponse(self.orders)


def _problem(body: dict[str, Any]) -> str | None:
    """Maasdal's checks of a new order, the first that fails, naming the field."""
    if not isinstance(body.get("opdrachtnummer"), str) or not _ORDER_NUMBER.fullmatch(
        body["opdrachtnummer"]
    ):
        return "opdrachtnummer: verplicht, WL-JJJJ-NNNNNN"
    if body.get("soort") not in ("REP", "MUT"):
        return "soort: REP of MUT"
    if not isinstance(body.get("omschrijving"), str) or not body["omschrijving"].strip():
        return "omschrijving: verplicht"
    try:
        deadline = datetime.fromisoformat(str(body.get("uitersteGereed")))
    except ValueError:
        return "uitersteGereed: RFC 3339 verwacht"
    if deadline.tzinfo is None:
        return "uitersteGereed: tijdzone ontbreekt"
    adres = body.get("adres")
    if not isinstance(adres, dict):
        return "adres: verplicht"
    if not isinstance(adres.get("postcode"), str) or not _POSTCODE.fullmatch(adres["postcode"]):
        return "adres.postcode: ongeldig"
    for name in ("huisnummer", "plaats"):
        if not isinstance(adres.get(name), str) or not adres[name]:
            return f"adres.{name}: verplicht"
    if not isinstance(body.get("vhe"), str) or not body["vhe"]:
        return "vhe: verplicht"
    contact = body.get("contact")
    if contact is not None and not isinstance(contact, dict):
        return "contact: object verwacht"
    return None


def create_maasdal_app(simulator: MaasdalSimulator) -> Starlette:
    return Starlette(
        routes=[
            Route(ORDERS_PATH, simulator.create, methods=["POST"]),
            Route("/_control/faults", simulator.control_faults, methods=["POST", "DELETE"]),
            Route("/_control/orders", simulator.control_orders, methods=["GET"]),
        ]
    )
