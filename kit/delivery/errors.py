"""Why a fact could not be delivered, split by what to do about it.

    DeliveryError
    ├── PassingFault                 retry with back-off (tenacity); the system will recover
    │   ├── DestinationTimeout       no answer in time                      (system down)
    │   ├── DestinationUnreachable   connection refused or dropped          (system down)
    │   ├── DestinationUnavailable   5xx; 502/503/504 say the system is down, a 500 may be
    │   │                            this fact's own trouble
    │   └── RateLimited              429, with the Retry-After it asked for
    ├── PermanentFault               the fact goes to the dead letters at once
    │   ├── Rejected                 400/404/422: the answer's status and body are kept
    │   │   └── Conflict             409: the system's state conflicts with the fact
    │   └── Unmappable               no valid call can be made (checked before any call)
    └── CredentialFault              401/403: stop the destination loudly; not a message problem

``PassingFault.system_down`` is what the circuit breaker (``kit.delivery.breaker``) counts:
a maintenance window answers 503 to everything, and waiting for it must not spend
every fact's retry budget nor fill the dead letters.

HTTP client exceptions are translated into these at the edge (``kit.delivery.http_calls``);
nothing above it sees an aiohttp type. Messages name the call and the status, never
the content of a fact (it may be personal).
"""

from __future__ import annotations

SYSTEM_DOWN_STATUSES = frozenset({502, 503, 504})
"""5xx answers that describe the system (gateway, maintenance, overload), not the request."""


class DeliveryError(Exception):
    """A fact could not be delivered to a destination."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PassingFault(DeliveryError):
    """A fault that passes: retrying later will help."""

    retry_after: float | None = None

    @property
    def system_down(self) -> bool:
        """True when the fault says the whole system is down or unreachable."""
        return True


class DestinationTimeout(PassingFault):
    pass


class DestinationUnreachable(PassingFault):
    pass


class DestinationUnavailable(PassingFault):
    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after

    @property
    def system_down(self) -> bool:
        return self.status in SYSTEM_DOWN_STATUSES


class RateLimited(PassingFault):
    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after

    @property
    def system_down(self) -> bool:
        # The system is up and asks us to slow down: Retry-After is the answer to that.
        return False


class PermanentFault(DeliveryError):
    """Retrying will not help: dead-letter the fact with the answer."""


class Rejected(PermanentFault):
    def __init__(self, message: str, *, status: int, response_body: str) -> None:
        super().__init__(message, status=status)
        self.response_body = response_body


class Conflict(Rejected):
    """409: the system's state conflicts with the fact (e.g. the object is closed or
    already exists under another reference). Retrying cannot resolve it; ops decides,
    with the answer's body in the dead letter."""


class Unmappable(PermanentFault):
    """The fact cannot become a valid call (e.g. an invoice that does not add up, a btw
    rate VERA has no code for); no call was made."""


class CredentialFault(DeliveryError):
    """The destination refuses ketenbus itself (401/403): stop, alert, do not dead-letter."""
