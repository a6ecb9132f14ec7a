"""The OAuth2 API client against Roerdal's simulated API on loopback: tokens, renewal on
401, and every fault translated into the poller's typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.channels.poller import (
    MalformedPage,
    OAuthApiClient,
    RateLimiter,
    SourceCredentialFault,
    SourceRateLimited,
    SourceRejected,
    SourceTimeout,
    SourceUnavailable,
    SourceUnreachable,
)
from devkit.partner_simulators import FEED_PATH, TOKEN_PATH, PartnerSimulators
from tests.connectors.channels.conftest import closed_port
from tests.samples import partner_sample

PARAMS = {"max": "2"}


@pytest.fixture
async def sims() -> AsyncIterator[PartnerSimulators]:
    async with PartnerSimulators() as started:
        started.roerdal.add_page(partner_sample("roerdal", "page-1.json"))
        yield started


def client_for(sims: PartnerSimulators, *, secret: str = "roerdal-secret", timeout: float = 2.0):
    return OAuthApiClient(
        sims.roerdal_url,
        client_id="ketenbus",
        client_secret=secret,
        limiter=RateLimiter(60, 60.0),
        timeout_seconds=timeout,
    )


async def test_a_token_is_fetched_once_and_reused(sims: PartnerSimulators) -> None:
    client = client_for(sims)
    try:
        first = await client.get_json(FEED_PATH, PARAMS)
        await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()
    assert [m["id"] for m in first["mutaties"]] == [991201, 991202]
    assert [c.path for c in sims.roerdal.calls] == [TOKEN_PATH, FEED_PATH, FEED_PATH]
    assert {c.token for c in sims.roerdal.feed_calls()} == {sims.roerdal.issued[0]}
    assert client.tokens_fetched == 1


async def test_a_token_refused_before_it_expires_is_renewed_once(sims: PartnerSimulators) -> None:
    client = client_for(sims)
    try:
        await client.get_json(FEED_PATH, PARAMS)
        sims.roerdal.revoke_tokens()
        again = await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()
    assert again["cursor"] == "eyJpZCI6OTkxMjAyfQ"
    calls = [(c.path, c.status) for c in sims.roerdal.calls]
    assert calls == [
        (TOKEN_PATH, 200),
        (FEED_PATH, 200),
        (FEED_PATH, 401),
        (TOKEN_PATH, 200),
        (FEED_PATH, 200),
    ]
    first, second = sims.roerdal.issued
    assert [c.token for c in sims.roerdal.feed_calls()] == [first, first, second]


async def test_a_second_401_with_a_fresh_token_is_a_credential_fault(
    sims: PartnerSimulators,
) -> None:
    sims.roerdal.add_fault(FEED_PATH, 401, times=2)
    client = client_for(sims)
    try:
        with pytest.raises(SourceCredentialFault, match="fresh token"):
            await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()
    assert [c.path for c in sims.roerdal.calls] == [TOKEN_PATH, FEED_PATH, TOKEN_PATH, FEED_PATH]


async def test_wrong_client_credentials_are_a_credential_fault_without_the_secret(
    sims: PartnerSimulators,
) -> None:
    client = client_for(sims, secret="wrong-secret")
    try:
        with pytest.raises(SourceCredentialFault) as caught:
            await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()
    assert "wrong-secret" not in str(caught.value)
    assert [c.path for c in sims.roerdal.calls] == [TOKEN_PATH]


@pytest.mark.parametrize(
    ("fault", "error", "retry_after"),
    [
        ({"status": 429, "retry_after": 7}, SourceRateLimited, 7.0),
        ({"status": 503, "retry_after": 2}, SourceUnavailable, 2.0),
        ({"status": 502}, SourceUnavailable, None),
        ({"status": 404}, SourceRejected, None),
        ({"status": 200, "body": b"<html>proxy</html>"}, MalformedPage, None),
    ],
)
async def test_answers_become_typed_errors(sims: PartnerSimulators, fault, error, retry_after):
    sims.roerdal.add_fault(FEED_PATH, **fault)
    client = client_for(sims)
    try:
        with pytest.raises(error) as caught:
            await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()
    assert getattr(caught.value, "retry_after", None) == retry_after


async def test_a_token_call_answered_503_is_a_passing_fault(sims: PartnerSimulators) -> None:
    sims.roerdal.add_fault(TOKEN_PATH, 503)
    client = client_for(sims)
    try:
        with pytest.raises(SourceUnavailable, match="oauth"):
            await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()


async def test_a_slow_answer_is_a_time_out(sims: PartnerSimulators) -> None:
    sims.roerdal.add_fault(FEED_PATH, None, delay_seconds=0.5)
    client = client_for(sims, timeout=0.2)
    try:
        with pytest.raises(SourceTimeout):
            await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()


async def test_nothing_listening_is_unreachable() -> None:
    client = OAuthApiClient(
        f"http://127.0.0.1:{closed_port()}",
        client_id="x",
        client_secret="y",
        limiter=RateLimiter(60, 60.0),
        timeout_seconds=1.0,
    )
    try:
        with pytest.raises(SourceUnreachable):
            await client.get_json(FEED_PATH, PARAMS)
    finally:
        await client.aclose()
