"""Polling ingress: ketenbus asks a partner's API for changes, for partners without push.

    feed = RoerdalFeed(settings)            # a Feed: fetch(cursor) -> Page
    await Poller(feed, kafka, poll_interval=30).run(stopping)

    # what `ketenbus ingress` runs: the same, while this process holds the feed's lease
    await poll_while_holding("roerdal", lambda: RoerdalFeed(settings), kafka, stopping,
                             poll_interval=30, backoff=Backoff())

The pieces, each reusable by a future polled partner: an OAuth2 client-credentials
API client with renewal on 401 (``OAuthApiClient``), a strict shared rate limit
(``RateLimiter``), and a durable cursor committed in one Kafka transaction with the
page's raw records (``CursorStore``). See docs/channels/poller.md.
"""

from connectors.channels.poller._client import OAuthApiClient
from connectors.channels.poller._cursor import STATE_TOPIC_CONFIG, CursorStore, state_topic
from connectors.channels.poller._leased import poll_while_holding
from connectors.channels.poller._limiter import RateLimiter
from connectors.channels.poller._poller import CHANNEL, Backoff, Feed, Page, Poller, PollerStats
from connectors.channels.poller.errors import (
    CursorStoreError,
    MalformedPage,
    PollerFenced,
    PollError,
    SourceCredentialFault,
    SourceFault,
    SourceRateLimited,
    SourceRefused,
    SourceRejected,
    SourceTimeout,
    SourceUnavailable,
    SourceUnreachable,
)
from kit.delivery.retry import retry_after

__all__ = [
    "CHANNEL",
    "STATE_TOPIC_CONFIG",
    "Backoff",
    "CursorStore",
    "CursorStoreError",
    "Feed",
    "MalformedPage",
    "OAuthApiClient",
    "Page",
    "PollError",
    "Poller",
    "PollerFenced",
    "PollerStats",
    "RateLimiter",
    "SourceCredentialFault",
    "SourceFault",
    "SourceRateLimited",
    "SourceRefused",
    "SourceRejected",
    "SourceTimeout",
    "SourceUnavailable",
    "SourceUnreachable",
    "poll_while_holding",
    "retry_after",
    "state_topic",
]
