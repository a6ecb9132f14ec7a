"""Roerdal's API, played: OAuth2 client credentials and the mutaties feed with a cursor.

    POST /oauth/token                           form: grant_type, client_id, client_secret
    GET  /api/v1/mutaties?sinds=<cursor>&max=n  Authorization: Bearer <token>

The feed serves pages as given (the shared samples byte for byte): the first page
answers a call without ``sinds``, each next page the previous page's cursor, and
the last cursor an empty page with ``meer: false`` until a page is added after it.
Like Roerdal it allows ``rate_limit`` requests per ``rate_window`` seconds (token
calls included) and answers 429 with ``Retry-After`` above that; tokens can be
revoked before they expire (401) and faults injected (``_faults.py``). Every
request is recorded for the tests.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devkit.partner_simulators._faults import Fault, FaultQueue, apply, fault_from_json

TOKEN_PATH = "/oauth/token"
FEED_PATH = "/api/v1/mutaties"
BEGIN = "begin"


@dataclass(frozen=True)
class RoerdalCall:
    """One request as Roerdal saw it."""

    at: float  # monotonic seconds, when it arrived
    method: str
    path: str
    sinds: str | None
    max: str | None
    status: int
    token: str | None = None  # the bearer token used (feed calls)
    fault: bool = False


@dataclass
class RoerdalSimulator:
    client_id: str = "ketenbus"
    client_secret: str = "roerdal-secret"
    rate_limit: int = 60
    rate_window: float = 60.0
    token_lifetime: int = 3600
    faults: FaultQueue = field(default_factory=FaultQueue)
    calls: list[RoerdalCall] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._pages: dict[str | None, bytes] = {}
        self._last_cursor: str | None = None
        self._valid: set[str] = set()
        self._arrivals: deque[float] = deque()
        self._changed = asyncio.Event()

    # -- steering ----------------------------------------------------------------

    def add_page(self, body: bytes) -> str:
        """Serve ``body`` after the last page added; returns its cursor."""
        cursor = json.loads(body)["cursor"]
        self._pages[self._last_cursor] = body
        self._last_cursor = cursor
        return str(cursor)

    def add_mutaties(self, mutaties: list[dict[str, Any]], cursor: str) -> str:
        """Serve a page of these mutaties next (``meer: false``)."""
        body = {"mutaties": mutaties, "cursor": cursor, "meer": False}
        return self.add_page(json.dumps(body).encode())

    def revoke_tokens(self) -> None:
        """Refuse every token issued so far (401), as Roerdal may before they expire."""
        self._valid.clear()

    def add_fault(
        self, path_contains: str = FEED_PATH, status: int | None = 503, **kw: Any
    ) -> Fault:
        return self.faults.add(Fault(path_contains=path_contains, status=status, **kw))

    # -- reading -----------------------------------------------------------------

    def feed_calls(self) -> list[RoerdalCall]:
        return [call for call in self.calls if call.path == FEED_PATH]

    def token_calls(self) -> list[RoerdalCall]:
        return [call for call in self.calls if call.path == TOKEN_PATH]

    async def wait_for(self, condition: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``condition(self)`` holds, waking on every request."""
        async with asyncio.timeout(timeout):
            while not condition(self):
                changed = self._changed
                await changed.wait()

    # -- the API -----------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        arrived = time.monotonic()
        # A form body, read with the standard library (no multipart parser needed).
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("latin-1")).items()}
        limited = self._rate_limited(arrived)
        if limited is not None:
            return self._record(arrived, request, limited)
        injected = await apply(self.faults.take(TOKEN_PATH))
        if injected is not None:
            return self._record(arrived, request, injected, fault=True)
        ok = (
            form.get("grant_type") == "client_credentials"
            and hmac.compare_digest(str(form.get("client_id", "")), self.client_id)
            and hmac.compare_digest(str(form.get("client_secret", "")), self.client_secret)
        )
        if not ok:
            return self._record(
                arrived, request, JSONResponse({"error": "invalid_client"}, status_code=401)
            )
        token = secrets.token_hex(16)
        self._valid.add(token)
        self.issued.append(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime}
        return self._record(arrived, request, JSONResponse(answer))

    async def mutaties(self, request: Request) -> Response:
        arrived = time.monotonic()
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        limited = self._rate_limited(arrived)
        if limited is not None:
            return self._record(arrived, request, limited, token=token)
        injected = await apply(self.faults.take(FEED_PATH))
        if injected is not None:
            return self._record(arrived, request, injected, token=token, fault=True)
        if token is None or token not in self._valid:
            refused = JSONResponse({"error": "invalid_token"}, status_code=401)
            return self._record(arrived, request, refused, token=token)
        sinds = request.query_params.get("sinds")
        # An empty feed answers with the cursor BEGIN, which means "the beginning".
        position = None if sinds == BEGIN else sinds
        answer: Response
        if position in self._pages:
            answer = Response(self._pages[position], media_type="application/json")
        elif position == self._last_cursor:
            answer = JSONResponse({"mutaties": [], "cursor": sinds or BEGIN, "meer": False})
        else:
            answer = JSONResponse({"fout": "onbekende cursor"}, status_code=400)
        return self._record(arrived, request, answer, token=token)

    def _rate_limited(self, arrived: float) -> Response | None:
        while self._arrivals and arrived >= self._arrivals[0] + self.rate_window:
            self._arrivals.popleft()
        if len(self._arrivals) >= self.rate_limit:
            wait = self._arrivals[0] + self.rate_window - arrived
            return JSONResponse(
                {"fout": "te veel verzoeken"},
                status_code=429,
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        self._arrivals.append(arrived)
        return None

    def _record(
        self,
        arrived: float,
        request: Request,
        answer: Response,
        *,
        token: str | None = None,
        fault: bool = False,
    ) -> Response:
        self.calls.append(
            RoerdalCall(
                at=arrived,
                method=request.method,
                path=request.url.path.removeprefix(request.scope.get("root_path", "")),
                sinds=request.query_params.get("sinds"),
                max=request.query_params.get("max"),
                status=answer.status_code,
                token=token,
                fault=fault,
            )
        )
        self._changed.set()
        self._changed = asyncio.Event()
        return answer

    # -- control (for people and the demo) ---------------------------------------

    async def control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return JSONResponse({"cleared": True})
        try:
            fault = self.faults.add(fault_from_json(await request.json()))
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"path_contains": fault.path_contains, "times": fault.times})

    async def control_revoke(self, request: Request) -> Response:
        self.revoke_tokens()
        return JSONResponse({"revoked": True})

    async def control_calls(self, request: Request) -> Response:
        return JSONResponse(
            [
                {"method": c.method, "path": c.path, "sinds": c.sinds, "status": c.status}
                for c in self.calls
            ]
        )


def create_roerdal_app(simulator: RoerdalSimulator) -> Starlette:
    return Starlette(
        routes=[
            Route(TOKEN_PATH, simulator.token, methods=["POST"]),
            Route(FEED_PATH, simulator.mutaties, methods=["GET"]),
            Route("/_control/faults", simulator.control_faults, methods=["POST", "DELETE"]),
            Route("/_control/revoke", simulator.control_revoke, methods=["POST"]),
            Route("/_control/calls", simulator.control_calls, methods=["GET"]),
        ]
    )
