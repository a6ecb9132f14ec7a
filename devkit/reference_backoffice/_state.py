"""What the back office remembers: calls, accepted effects, objects, faults, replays.

Everything lives in memory and is read by tests (from Python or over HTTP) to see
what ketenbus really delivered. The state is touched only from the event loop
that runs the app, and every mutation is synchronous, so a request's check of
its Referentienummer and the recording of its effect cannot interleave with
another request's.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._spec import SYSTEMS

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "Answer",
    "BackOfficeState",
    "CallRecord",
    "Fault",
    "FaultError",
    "Received",
]

#: How long a Referentienummer means "the same request" (the corporation's rule).
IDEMPOTENCY_WINDOW = timedelta(days=7)

STUURGEGEVENS_HEADERS = (
    "X-Stuurgegevens-Zender-Organisatie",
    "X-Stuurgegevens-Tijdstip-Bericht",
    "X-Stuurgegevens-Referentienummer",
)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as the back office gives it, and gives it again on a replay."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request that reached a system route, whatever was answered."""

    seq: int
    at: datetime
    system: str
    method: str
    path: str
    stuurgegevens: Mapping[str, str | None]
    body: Any
    status: int
    fault: bool = False
    replay: bool = False
    invalid: bool = False
    delayed_seconds: float = 0.0
    replay_mismatch: bool = False
    problems: tuple[Mapping[str, str], ...] = ()

    @property
    def referentienummer(self) -> str | None:
        return self.stuurgegevens.get("X-Stuurgegevens-Referentienummer")

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "system": self.system,
            "method": self.method,
            "path": self.path,
            "stuurgegevens": dict(self.stuurgegevens),
            "body": self.body,
            "status": self.status,
            "fault": self.fault,
            "replay": self.replay,
            "invalid": self.invalid,
            "delayed_seconds": self.delayed_seconds,
            "replay_mismatch": self.replay_mismatch,
            "problems": [dict(p) for p in self.problems],
        }


@dataclass(frozen=True, slots=True)
class Received:
    """One accepted effect: a 2xx answered the first time for its Referentienummer."""

    seq: int
    at: datetime
    system: str
    method: str
    path: str
    operation: str
    resource_id: str | None
    referentienummer: str
    zender_organisatie: str
    tijdstip_bericht: str
    body: Any
    status: int
    answer: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "system": self.system,
            "method": self.method,
            "path": self.path,
            "operation": self.operation,
            "resource_id": self.resource_id,
            "referentienummer": self.referentienummer,
            "zender_organisatie": self.zender_organisatie,
            "tijdstip_bericht": self.tijdstip_bericht,
            "body": self.body,
            "status": self.status,
            "answer": self.answer,
        }


class FaultError(ValueError):
    """A fault description that cannot be queued."""


class Fault(BaseModel):
    """An injected misbehaviour: see ``docs/reference-backoffice.md`` for the JSON shape.

    With ``until_seconds`` it is a maintenance window (every matching request until
    then, ``times`` ignored); otherwise it answers the next ``times`` matching
    requests. ``status`` None means: only wait ``delay_seconds``, then handle the
    request normally.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str
    status: int | None = Field(default=503, ge=100, le=599)
    times: int = Field(default=1, ge=1)
    retry_after: float | None = Field(default=None, ge=0)
    delay_seconds: float = Field(default=0.0, ge=0, le=600)
    body: Any = None
    path_contains: str | None = None
    until_seconds: float | None = Field(default=None, gt=0)

    @field_validator("system")
    @classmethod
    def _known_system(cls, value: str) -> str:
        if value not in SYSTEMS:
            raise ValueError(f"unknown system {value!r}; known: {', '.join(SYSTEMS)}")
        return value

    def matches(self, system: str, path: str) -> bool:
        return self.system == system and (self.path_contains is None or self.path_contains in path)

    def answer(self) -> Answer | None:
        """The injected answer, or None for a delay-only fault."""
        if self.status is None:
            return None
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            seconds = self.retry_after
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        body = self.body
        if body is None:
            body = {
                "code": str(self.status),
                "omschrijving": "injected fault (reference back office)",
            }
        return Answer(status=self.status, body=body, headers=headers)


@dataclass(slots=True)
class _QueuedFault:
    id: int
    fault: Fault
    remaining: int
    deadline: float | None

    def to_json(self, now: float) -> dict[str, Any]:
        view = self.fault.model_dump(mode="json")
        view["id"] = self.id
        view["remaining"] = None if self.deadline is not None else self.remaining
        view["seconds_left"] = None if self.deadline is None else max(0.0, self.deadline - now)
        return view


@dataclass(slots=True)
class _Stored:
    answer: Answer
    at: float
    fingerprint: tuple[str, str, Any]


class BackOfficeState:
    """The back office's memory; one instance per app.

    ``clock`` (seconds, monotonic by default) is injectable so the 7-day window
    and maintenance windows can be tested without waiting.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._changed = asyncio.Event()
        self._fault_ids = itertools.count(1)
        self.reset()

    # -- reading ----------------------------------------------------------------

    def calls(self, system: str | None = None) -> list[CallRecord]:
        """Every request that reached a system route, in arrival order."""
        return [c for c in self._calls if system is None or c.system == system]

    def received(self, system: str | None = None) -> list[Received]:
        """Only the accepted effects, in the order they were accepted."""
        return [r for r in self._received if system is None or r.system == system]

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """The current merged state of each order PATCHed into ``onderhoud``, by id."""
        return {
            key[2]: copy.deepcopy(value)
            for key, value in self._objects.items()
            if key[0] == "onderhoud" and key[1] == "onderhoudsorders"
        }

    def order(self, order_id: str) -> dict[str, Any] | None:
        """One order's merged state, or None if no PATCH for it was accepted."""
        found = self._objects.get(("onderhoud", "onderhoudsorders", order_id))
        return copy.deepcopy(found) if found is not None else None

    @property
    def replays(self) -> int:
        """How many requests were answered from the Referentienummer store."""
        return self._replays

    def stats(self) -> dict[str, int]:
        return {
            "calls": len(self._calls),
            "received": len(self._received),
            "replays": self._replays,
            "faults_applied": sum(1 for c in self._calls if c.fault),
            "invalid": sum(1 for c in self._calls if c.invalid),
            "faults_queued": len(self._faults),
        }

    async def wait_for_received(
        self,
        count: int,
        system: str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the agreed API shape for other tests
    ) -> list[Received]:
        """Wait until at least ``count`` effects were accepted (for ``system``, if given).

        Wakes on each accepted effect (no polling). Raises :class:`TimeoutError`
        saying what was expected and what arrived.
        """

        async def until_enough() -> list[Received]:
            while True:
                current = self.received(system)
                if len(current) >= count:
                    return current
                await self._changed.wait()

        try:
            async with asyncio.timeout(timeout):
                return await until_enough()
        except TimeoutError:
            got = len(self.received(system))
            # Release the timed-out Event so it is not reused from another event loop.
            self._notify()
            where = f"system {system!r}" if system else "all systems"
            raise TimeoutError(
                f"reference back office: waited {timeout:g}s for {count} received "
                f"effect(s) on {where}, got {got}"
            ) from None

    # -- changing ---------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything: calls, effects, objects, Referentienummers, faults, counters."""
        self._calls: list[CallRecord] = []
        self._received: list[Received] = []
        self._objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._stored: dict[tuple[str, str], _Stored] = {}
        self._faults: list[_QueuedFault] = []
        self._replays = 0
        self._call_seq = itertools.count(1)
        self._received_seq = itertools.count(1)
        self._created = itertools.count(1)
        self._notify()

    def add_fault(
        self,
        system: str,
        status: int | None = 503,
        *,
        times: int = 1,
        retry_after: float | None = None,
        delay_seconds: float = 0.0,
        body: Any = None,
        path_contains: str | None = None,
        until_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Queue a fault (see :class:`Fault`); returns its JSON view with its ``id``."""
        return self.add_fault_from_json(
            {
                "system": system,
                "status": status,
                "times": times,
                "retry_after": retry_after,
                "delay_seconds": delay_seconds,
                "body": body,
                "path_contains": path_contains,
                "until_seconds": until_seconds,
            }
        )

    def add_fault_from_json(self, data: Any) -> dict[str, Any]:
        """Queue a fault from its JSON form; :class:`FaultError` if it is malformed."""
        try:
            fault = Fault.model_validate(data)
        except ValidationError as exc:
            raise FaultError(
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'fault'}: {e['msg']}" for e in exc.errors()
                )
            ) from None
        now = self._clock()
        deadline = now + fault.until_seconds if fault.until_seconds is not None else None
        queued = _QueuedFault(next(self._fault_ids), fault, fault.times, deadline)
        self._faults.append(queued)
        return queued.to_json(now)

    def faults(self) -> list[dict[str, Any]]:
        """The faults still queued or in force, in the order they apply."""
        now = self._clock()
        self._drop_expired(now)
        return [q.to_json(now) for q in self._faults]

    def clear_faults(self) -> int:
        """Drop all faults; returns how many there were."""
        cleared = len(self._faults)
        self._faults = []
        return cleared

    def take_fault(self, system: str, path: str) -> Fault | None:
        """The fault for this request, if any, counting it as used.

        Maintenance windows come first (the system is down); then the queued
        faults, oldest first.
        """
        now = self._clock()
        self._drop_expired(now)
        for queued in self._faults:
            if queued.deadline is not None and queued.fault.matches(system, path):
                return queued.fault
        for queued in self._faults:
            if queued.deadline is None and queued.fault.matches(system, path):
                queued.remaining -= 1
                if queued.remaining <= 0:
                    self._faults.remove(queued)
                return queued.fault
        return None

    def stored_answer(self, system: str, referentienummer: str) -> Answer | None:
        """The answer already given to this Referentienummer within 7 days, if any."""
        stored = self._stored.get((system, referentienummer))
        if stored is None:
            return None
        if self._clock() - stored.at > IDEMPOTENCY_WINDOW.total_seconds():
            del self._stored[(system, referentienummer)]
            return None
        return stored.answer

    def is_same_request(
        self, system: str, referentienummer: str, method: str, path: str, body: Any
    ) -> bool:
        """Whether a replay carries what the first request carried (a sender bug if not)."""
        stored = self._stored.get((system, referentienummer))
        return stored is not None and stored.fingerprint == (method, path, body)

    def record_call(self, **fields: Any) -> CallRecord:
        record = CallRecord(seq=next(self._call_seq), at=datetime.now(UTC), **fields)
        self._calls.append(record)
        if record.replay:
            self._replays += 1
        return record

    def accept(
        self,
        *,
        system: str,
        method: str,
        path: str,
        operation: str,
        collection: str,
        resource_id: str | None,
        stuurgegevens: Mapping[str, str],
        body: Any,
    ) -> Answer:
        """Carry out an accepted request: update the object, record the effect, store the answer.

        PATCH merges the body's top-level keys into the stored object; PUT replaces
        it; POST creates it under a generated id. The answer carries the object.
        """
        answer = self._apply(method, system, path, collection, resource_id, body)
        referentienummer = stuurgegevens["X-Stuurgegevens-Referentienummer"]
        self._received.append(
            Received(
                seq=next(self._received_seq),
                at=datetime.now(UTC),
                system=system,
                method=method,
                path=path,
                operation=operation,
                resource_id=_answer_id(answer, resource_id),
                referentienummer=referentienummer,
                zender_organisatie=stuurgegevens["X-Stuurgegevens-Zender-Organisatie"],
                tijdstip_bericht=stuurgegevens["X-Stuurgegevens-Tijdstip-Bericht"],
                body=copy.deepcopy(body),
                status=answer.status,
                answer=copy.deepcopy(answer.body),
            )
        )
        self._stored[(system, referentienummer)] = _Stored(
            answer=answer, at=self._clock(), fingerprint=(method, path, copy.deepcopy(body))
        )
        self._notify()
        return answer

    # -- internals --------------------------------------------------------------

    def _apply(
        self,
        method: str,
        system: str,
        path: str,
        collection: str,
        resource_id: str | None,
        body: Any,
    ) -> Answer:
        if method == "POST":
            new_id = f"{collection}-{next(self._created):06d}"
            created = {**body, "id": new_id} if isinstance(body, dict) else body
            if isinstance(created, dict):
                self._objects[(system, collection, new_id)] = copy.deepcopy(created)
            location = f"/{system}{path.rstrip('/')}/{new_id}"
            return Answer(status=201, body=created, headers={"Location": location})
        if not isinstance(body, dict):
            return Answer(status=200, body=body)
        key_id = resource_id if resource_id is not None else body.get("id")
        if not isinstance(key_id, str):
            # A collection-level PUT/PATCH without an id: accepted, but nothing to merge into.
            return Answer(status=200, body=body)
        key = (system, collection, key_id)
        base = self._objects.get(key, {}) if method == "PATCH" else {}
        merged = {**base, **copy.deepcopy(body)}
        merged.setdefault("id", key_id)
        self._objects[key] = merged
        return Answer(status=200, body=copy.deepcopy(merged))

    def _drop_expired(self, now: float) -> None:
        self._faults = [q for q in self._faults if q.deadline is None or q.deadline > now]

    def _notify(self) -> None:
        # Wake every waiter, then start a fresh Event for the next change.
        self._changed.set()
        self._changed = asyncio.Event()


def _answer_id(answer: Answer, resource_id: str | None) -> str | None:
    """The id the effect concerns: the path's, or the one a POST generated."""
    if resource_id is not None:
        return resource_id
    if isinstance(answer.body, dict) and isinstance(answer.body.get("id"), str):
        return str(answer.body["id"])
    return None
