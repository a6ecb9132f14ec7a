"""Why a fact could not be delivered, split by what to do about it.

    DeliveryError
    ├── PassingFault                 retry with back-off (tenacity); the system will recover
    │   ├── DestinationTimeout       no answer in time
    │   ├── DestinationUnreachable   connection refused or dropped
    │   ├── DestinationUnavailable   5xx (a maintenance window answers 503)
    │   └── RateLimited              429, with the Retry-After it asked for
    ├── PermanentFault               the fact goes to the dead letters at once
    │   └── Rejected                 400/404/409/422: the answer's status and body are kept
    └── CredentialFault              401/403: stop the destination loudly; not a message problem

httpx exceptions are translated into these at the edge (``router.vera_client``);
nothing above it catches ``httpx.*``.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A fact could not be delivered to a destination."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PassingFault(DeliveryError):
    """A fault that passes: retrying later will help."""

    retry_after: float | None = None


class DestinationTimeout(PassingFault):
    pass


class DestinationUnreachable(PassingFault):
    pass


class DestinationUnavailable(PassingFault):
    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class RateLimited(PassingFault):
    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class PermanentFault(DeliveryError):
    """Retrying will not help: dead-letter the fact with the answer."""


class Rejected(PermanentFault):
    def __init__(self, message: str, *, status: int, response_body: str) -> None:
        super().__init__(message, status=status)
        self.response_body = response_body


class CredentialFault(DeliveryError):
    """The destination refuses ketenbus itself (401/403): stop, alert, do not dead-letter."""
