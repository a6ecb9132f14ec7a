"""What can go wrong while polling a partner's API, split by what to do about it.

::

    ChannelError                       (connectors.channels.errors)
    └── PollError                      a polled source gave no page, or it could not be kept
        ├── SourceFault                the partner's API: retried with back-off, for ever
        │   ├── SourceTimeout          no (complete) answer within the time-out
        │   ├── SourceUnreachable      connection refused or dropped
        │   ├── SourceUnavailable      5xx (Roerdal answers 502/503 a few times a day)
        │   ├── SourceRateLimited      429, with the Retry-After it asked for
        │   └── MalformedPage          2xx, but not a page we can read (a proxy's error page)
        ├── SourceRefused              the poller stops loudly: not a passing problem
        │   ├── SourceCredentialFault  credentials refused (token endpoint, or 401 after renewal)
        │   └── SourceRejected         another 4xx: our request is wrong (URL, cursor too old)
        └── CursorStoreError           Kafka did not take the page and its cursor (retry the page)

Failed HTTP calls and aiokafka exceptions are translated into these at the edge
(``_client.py``, ``_cursor.py``); nothing above the poller catches a library's
exception. Messages never carry a token, a secret or a page's content.
"""

from __future__ import annotations

from connectors.channels.errors import ChannelError


class PollError(ChannelError):
    """A polled source gave no page, or the page could not be kept."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SourceFault(PollError):
    """A passing fault of the partner's API: polling again later will help."""

    retry_after: float | None = None


class SourceTimeout(SourceFault):
    pass


class SourceUnreachable(SourceFault):
    pass


class SourceUnavailable(SourceFault):
    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class SourceRateLimited(SourceFault):
    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


class MalformedPage(SourceFault):
    """A 2xx answer that is not a page of the feed: nothing can be taken from it."""


class SourceRefused(PollError):
    """The partner refuses ketenbus itself or its request: stop polling, alert."""


class SourceCredentialFault(SourceRefused):
    pass


class SourceRejected(SourceRefused):
    pass


class CursorStoreError(PollError):
    """The page's raw records and cursor were not committed; the page will be fetched again."""


class PollerFenced(PollError):
    """Another instance of this poller took over (same transactional id): this one stops."""
