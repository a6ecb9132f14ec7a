"""Misbehaviour on demand, the same for every simulated partner API.

A fault answers the next ``times`` matching requests with ``status`` (and a
``Retry-After`` if given), after waiting ``delay_seconds``; ``status`` None means
"only be slow, then answer normally" (Roerdal sometimes takes 20 s).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response


@dataclass
class Fault:
    path_contains: str
    status: int | None = 503
    times: int = 1
    retry_after: float | None = None
    delay_seconds: float = 0.0
    body: Any = None

    def response(self) -> Response | None:
        if self.status is None:
            return None
        headers = {}
        if self.retry_after is not None:
            seconds = self.retry_after
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        if isinstance(self.body, bytes):  # exactly these bytes, e.g. a proxy's HTML page
            return Response(self.body, status_code=self.status, headers=headers)
        body = self.body if self.body is not None else {"fout": f"simulated {self.status}"}
        return JSONResponse(body, status_code=self.status, headers=headers)


@dataclass
class FaultQueue:
    faults: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> Fault:
        if fault.times < 1:
            raise ValueError("times must be 1 or more")
        self.faults.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        """The oldest fault matching ``path``, counted as used."""
        for fault in self.faults:
            if fault.path_contains in path:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.faults.clear()


async def apply(fault: Fault | None) -> Response | None:
    """Wait the fault's delay; its injected answer, or None to handle the request normally."""
    if fault is None:
        return None
    if fault.delay_seconds:
        await asyncio.sleep(fault.delay_seconds)
    return fault.response()


def fault_from_json(data: Any) -> Fault:
    if not isinstance(data, dict) or not isinstance(data.get("path_contains", ""), str):
        raise ValueError("a fault is a JSON object")
    allowed = {"path_contains", "status", "times", "retry_after", "delay_seconds", "body"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"unknown fault fields {unknown}")
    return Fault(**{"path_contains": "", **data})
