"""The HTTP face of the back office: the three systems and the ``/_control`` API.

A request to a system goes through the same steps, in this order, and the first
that answers wins:

1. an injected fault or maintenance window (the system is "down" before anything);
2. ``X-API-KEY`` (401);
3. the spec's operations (404 unknown path, 405 known path but other method);
4. the ``X-Stuurgegevens-*`` headers the corporation requires (400);
5. a Referentienummer already answered within 7 days: the stored answer again, or 409
   if the request is not the same (method, path, body);
6. the body: JSON (400), then the VERA schema (400 listing each problem);
7. the effect: recorded, answered 200 (PATCH/PUT) or 201 (POST).

Bodies are never logged: they may hold a tenant's name or a social signal.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import _json
from ._spec import SYSTEMS, RouteError, SystemRoutes, load_systems
from ._state import STUURGEGEVENS_HEADERS, Answer, BackOfficeState, FaultError
from ._validation import check_utc_timestamp

__all__ = ["create_app"]

log = logging.getLogger("devkit.reference_backoffice")

_SYSTEM_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    content = b"" if status in (204, 304) else _json.dumps(body)
    return Response(
        content, status_code=status, headers=dict(headers or {}), media_type="application/json"
    )


def _foutbericht(status: int, omschrijving: str, **extra: Any) -> Answer:
    """A VERA ``Foutbericht`` (code, omschrijving), with extra keys where they help."""
    return Answer(status=status, body={"code": str(status), "omschrijving": omschrijving, **extra})


def _respond(answer: Answer) -> Response:
    return _json_response(answer.status, answer.body, answer.headers)


class _SystemEndpoint:
    """Handles every request under ``/{system}/...``."""

    def __init__(
        self,
        systems: Mapping[str, SystemRoutes],
        api_keys: Mapping[str, str],
        state: BackOfficeState,
    ) -> None:
        self._systems = systems
        self._api_keys = api_keys
        self._state = state

    async def handle(self, request: Request) -> Response:
        system = request.path_params["system"]
        routes = self._systems.get(system)
        if routes is None:
            return _respond(_foutbericht(404, f"unknown system; known: {', '.join(SYSTEMS)}"))
        path = "/" + request.path_params["path"]
        method = request.method
        raw = await request.body()
        stuurgegevens = {name: request.headers.get(name) for name in STUURGEGEVENS_HEADERS}
        try:
            body: Any = _json.loads(raw) if raw else None
            body_error: str | None = None if raw else "the request has no body"
        except _json.JSONBodyError as exc:
            body, body_error = None, str(exc)
        call = {
            "system": system,
            "method": method,
            "path": path,
            "stuurgegevens": stuurgegevens,
            "body": body,
        }

        fault = self._state.take_fault(system, path)
        delayed = 0.0
        if fault is not None:
            if fault.delay_seconds:
                delayed = fault.delay_seconds
                await asyncio.sleep(fault.delay_seconds)
            injected = fault.answer()
            if injected is not None:
                return self._finish(call, injected, fault=True, delayed_seconds=delayed)
        # From here on nothing awaits: the Referentienummer check and the effect are atomic.
        api_key = request.headers.get("X-API-KEY", "")
        answer, flags = self._handle(routes, call, body_error, api_key)
        return self._finish(call, answer, delayed_seconds=delayed, **flags)

    def _handle(
        self, routes: SystemRoutes, call: dict[str, Any], body_error: str | None, api_key: str
    ) -> tuple[Answer, dict[str, Any]]:
        system, method, path = call["system"], call["method"], call["path"]
        stuurgegevens: dict[str, str | None] = call["stuurgegevens"]
        expected_key = self._api_keys.get(system)
        if expected_key is None or not hmac.compare_digest(api_key.encode(), expected_key.encode()):
            return _foutbericht(401, "missing or wrong X-API-KEY"), {}
        try:
            match = routes.resolve(method, path)
        except RouteError as exc:
            return _foutbericht(exc.status, exc.message), {}

        header_problems = _check_stuurgegevens(stuurgegevens)
        if header_problems:
            names = ", ".join(p["path"] for p in header_problems)
            answer = _foutbericht(400, f"stuurgegevens headers: {names}", problems=header_problems)
            return answer, {"invalid": True, "problems": tuple(header_problems)}

        referentienummer = stuurgegevens["X-Stuurgegevens-Referentienummer"] or ""
        stored = self._state.stored_answer(system, referentienummer)
        if stored is not None:
            if not self._state.is_same_request(
                system, referentienummer, method, path, call["body"]
            ):
                # A strict VERA system: a reused Referentienummer must be the same request.
                answer = _foutbericht(
                    409,
                    "X-Stuurgegevens-Referentienummer was used before for another request "
                    "(method, path or body differs)",
                )
                return answer, {"replay_mismatch": True}
            return stored, {"replay": True}

        if body_error is not None:
            problems = ({"path": "$", "message": body_error, "kind": "json"},)
            answer = _foutbericht(400, "the body is not JSON", problems=list(problems))
            return answer, {"invalid": True, "problems": problems}
        validator = match.operation.validator
        if validator is not None:
            found = [p.to_json() for p in validator.validate(call["body"])]
            if found:
                answer = _foutbericht(
                    400,
                    f"the body does not match VERA {match.operation.method} "
                    f"{match.operation.template} ({len(found)} problem(s))",
                    problems=found,
                )
                return answer, {"invalid": True, "problems": tuple(found)}

        answer = self._state.accept(
            system=system,
            method=method,
            path=path,
            operation=match.operation.template,
            collection=match.collection,
            resource_id=match.resource_id,
            stuurgegevens={k: v for k, v in stuurgegevens.items() if v is not None},
            body=call["body"],
        )
        return answer, {}

    def _finish(self, call: dict[str, Any], answer: Answer, **flags: Any) -> Response:
        self._state.record_call(status=answer.status, **call, **flags)
        # Method, path and status only: bodies may carry personal data.
        log.info(
            "%s /%s%s -> %d%s",
            call["method"],
            call["system"],
            call["path"],
            answer.status,
            " (fault)" if flags.get("fault") else " (replay)" if flags.get("replay") else "",
        )
        return _respond(answer)


def _check_stuurgegevens(headers: Mapping[str, str | None]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    for name in STUURGEGEVENS_HEADERS:
        value = headers.get(name)
        if value is None or not value.strip():
            problems.append(
                {"path": name, "message": f"header {name} is required", "kind": "header"}
            )
    tijdstip = headers.get("X-Stuurgegevens-Tijdstip-Bericht")
    if tijdstip:
        reason = check_utc_timestamp(tijdstip)
        if reason is not None:
            problems.append(
                {
                    "path": "X-Stuurgegevens-Tijdstip-Bericht",
                    "message": f"header X-Stuurgegevens-Tijdstip-Bericht {reason}",
                    "kind": "header",
                }
            )
    return problems


class _Control:
    """``/_control``: what tests and people read and steer. No key: loopback test tool."""

    def __init__(
        self,
        systems: Mapping[str, SystemRoutes],
        api_keys: Mapping[str, str],
        state: BackOfficeState,
    ) -> None:
        self._systems = systems
        self._api_keys = api_keys
        self._state = state

    def routes(self) -> list[Route]:
        return [
            Route("/_control/health", self.health, methods=["GET"]),
            Route("/_control/stats", self.stats, methods=["GET"]),
            Route("/_control/calls", self.calls, methods=["GET"]),
            Route("/_control/received", self.received, methods=["GET"]),
            Route("/_control/orders", self.orders, methods=["GET"]),
            Route("/_control/orders/{order_id:path}", self.order, methods=["GET"]),
            Route("/_control/reset", self.reset, methods=["POST"]),
            Route("/_control/faults", self.faults, methods=["GET", "POST", "DELETE"]),
        ]

    def _system_filter(self, request: Request) -> str | None:
        system = request.query_params.get("system")
        if system is not None and system not in SYSTEMS:
            raise HTTPException(400, f"unknown system {system!r}; known: {', '.join(SYSTEMS)}")
        return system

    async def health(self, request: Request) -> Response:
        systems = {
            name: {
                "prefix": f"/{name}",
                "spec": routes.spec_file,
                "operations": len(routes.operations),
                "api_key_configured": name in self._api_keys,
            }
            for name, routes in self._systems.items()
        }
        validating = all(r.validating for r in self._systems.values())
        return _json_response(
            200, {"status": "ok", "schema_validation": validating, "systems": systems}
        )

    async def stats(self, request: Request) -> Response:
        return _json_response(200, self._state.stats())

    async def calls(self, request: Request) -> Response:
        system = self._system_filter(request)
        return _json_response(200, [c.to_json() for c in self._state.calls(system)])

    async def received(self, request: Request) -> Response:
        system = self._system_filter(request)
        return _json_response(200, [r.to_json() for r in self._state.received(system)])

    async def orders(self, request: Request) -> Response:
        return _json_response(200, self._state.orders)

    async def order(self, request: Request) -> Response:
        found = self._state.order(request.path_params["order_id"])
        if found is None:
            return _respond(_foutbericht(404, "no accepted PATCH for this order"))
        return _json_response(200, found)

    async def reset(self, request: Request) -> Response:
        self._state.reset()
        return _json_response(200, {"reset": True})

    async def faults(self, request: Request) -> Response:
        if request.method == "GET":
            return _json_response(200, self._state.faults())
        if request.method == "DELETE":
            return _json_response(200, {"cleared": self._state.clear_faults()})
        try:
            data = _json.loads(await request.body())
            queued = self._state.add_fault_from_json(data)
        except (_json.JSONBodyError, FaultError) as exc:
            return _respond(_foutbericht(400, f"fault not queued: {exc}"))
        return _json_response(201, queued)


async def _http_error(request: Request, exc: Exception) -> Response:
    # Starlette's own 404/405/400 as a VERA Foutbericht, like every other answer.
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    return _respond(_foutbericht(status, str(detail)))


def create_app(
    spec_dir: Path | None,
    api_keys: Mapping[str, str],
    *,
    state: BackOfficeState | None = None,
) -> Starlette:
    """The back office as an ASGI app.

    ``spec_dir`` is the folder holding ``OHD.yaml`` and ``BRG.yaml``; None runs
    without schema validation (a loud warning says so). ``api_keys`` maps system
    name (``onderhoud``, ``financien``, ``relaties``) to its ``X-API-KEY``; a
    system without a key answers 401 to everything. The state is at
    ``app.state.backoffice``.
    """
    unknown = set(api_keys) - set(SYSTEMS)
    if unknown:
        raise ValueError(f"API keys for unknown systems {sorted(unknown)}; known: {list(SYSTEMS)}")
    if spec_dir is None:
        log.warning(
            "!!! reference back office runs WITHOUT the VERA specs: no request body is "
            "checked against its schema. !!!"
        )
    for name in SYSTEMS:
        if name not in api_keys:
            log.warning("no API key for system %s: it will answer 401 to every call", name)
    systems = load_systems(spec_dir)
    state = state if state is not None else BackOfficeState()
    endpoint = _SystemEndpoint(systems, api_keys, state)
    routes = [
        *_Control(systems, api_keys, state).routes(),
        Route("/{system}/{path:path}", endpoint.handle, methods=_SYSTEM_METHODS),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.backoffice = state
    return app
