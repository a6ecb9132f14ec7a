"""Polling Roerdal on the real broker, against its simulated API on loopback.

Every claim is checked on what reached Kafka (raw records, the cursor on the state
topic) and on what the simulated Roerdal saw (each request, its token, its cursor).
"""

from __future__ import annotations

import itertools
import json

import pytest

from connectors.channels.poller import CursorStore, RateLimiter, SourceCredentialFault, state_topic
from contracts import KafkaSettings, RawMessage
from devkit.partner_simulators import FEED_PATH, TOKEN_PATH, PartnerSimulators
from tests.connectors.roerdal.conftest import StartPoller, read_topic, serve_shared_pages
from tests.kafka_helpers import eventually
from tests.samples import partner_sample

MUTATIES = [
    mutatie
    for page in ("page-1.json", "page-2.json")
    for mutatie in json.loads(partner_sample("roerdal", page))["mutaties"]
]


async def stored_mutaties(kafka: KafkaSettings, **kw) -> list[RawMessage]:
    records = await read_topic(kafka, kafka.topics.raw("roerdal"), **kw)
    return [RawMessage.from_kafka(r.key, r.value, tuple(r.headers)) for r in records]


async def committed_cursor(kafka: KafkaSettings) -> str | None:
    records = await read_topic(kafka, state_topic(kafka, "roerdal"))
    return json.loads(records[-1].value)["cursor"] if records else None


async def test_every_mutatie_of_both_pages_is_stored_once_with_the_cursor_after_them(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    first, second = serve_shared_pages(sims)
    running = await start_poller()
    await eventually(lambda: running.poller.stats.pages == 2, within=10, what="two pages")
    await running.stop()

    stored = await stored_mutaties(kafka)
    assert sorted((json.loads(m.body) for m in stored), key=lambda m: m["id"]) == MUTATIES
    for message in stored:
        mutatie = json.loads(message.body)
        assert message.partner == "roerdal"
        assert message.channel == "poll"
        assert message.origin == str(mutatie["id"])
        assert message.key == mutatie["opdracht"].encode()
        assert message.content_type == "application/json"
    assert await committed_cursor(kafka) == second
    # meer: true -> the next page at once; meer: false -> wait the poll interval (30 s here).
    assert [(c.sinds, c.max) for c in sims.roerdal.feed_calls()] == [(None, "2"), (first, "2")]
    assert len(sims.roerdal.token_calls()) == 1


async def test_a_restart_resumes_from_the_committed_cursor(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    _, second = serve_shared_pages(sims)
    running = await start_poller()
    await eventually(lambda: running.poller.stats.pages == 2, within=10, what="two pages")
    await running.stop()
    sims.roerdal.add_mutaties([{**MUTATIES[0], "id": 991300, "status": "AGE"}], cursor="c3")

    restarted = await start_poller()
    await eventually(lambda: restarted.poller.stats.pages == 1, within=10, what="third page")
    await restarted.stop()

    assert [c.sinds for c in sims.roerdal.feed_calls()][2:] == [second]
    assert [json.loads(m.body)["id"] for m in await stored_mutaties(kafka)].count(991300) == 1
    assert len(await stored_mutaties(kafka)) == 4
    assert await committed_cursor(kafka) == "c3"


class SimulatedCrash(BaseException):
    """The process dies: nothing after this point runs, not even an abort."""


class CrashBeforeTheCursor(CursorStore):
    """Dies after the page's raw records were sent, before its cursor and the commit."""

    async def _send_cursor(self, producer, cursor, count) -> None:
        raise SimulatedCrash()


async def test_a_crash_between_fetching_and_committing_a_page_loses_and_duplicates_nothing(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    first, second = serve_shared_pages(sims)
    crashing = await start_poller(store=CrashBeforeTheCursor(kafka, "roerdal"))
    with pytest.raises(SimulatedCrash):
        await crashing.task
    # The dead poller left its transaction open: committed readers see nothing yet.
    assert await stored_mutaties(kafka) == []
    assert await committed_cursor(kafka) is None

    restarted = await start_poller()
    await eventually(lambda: restarted.poller.stats.pages == 2, within=10, what="two pages")
    await restarted.stop()

    # The same page was fetched again from the durable cursor (none: the beginning) ...
    assert [c.sinds for c in sims.roerdal.feed_calls()] == [None, None, first]
    # ... and every mutatie is stored exactly once for committed readers.
    stored = await stored_mutaties(kafka)
    assert sorted(json.loads(m.body)["id"] for m in stored) == [991201, 991202, 991240]
    assert await committed_cursor(kafka) == second
    # The crashed attempt really had written page 1: aborted, visible only uncommitted.
    uncommitted = await stored_mutaties(kafka, isolation="read_uncommitted")
    assert sorted(json.loads(m.body)["id"] for m in uncommitted) == [
        991201, 991201, 991202, 991202, 991240,
    ]  # fmt: skip


async def test_a_token_refused_mid_run_is_renewed_once_and_polling_goes_on(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    first = sims.roerdal.add_page(partner_sample("roerdal", "page-1.json"))
    running = await start_poller(poll_interval_seconds=0.05)
    await eventually(lambda: len(sims.roerdal.feed_calls()) >= 3, within=10, what="idle polls")
    sims.roerdal.revoke_tokens()
    sims.roerdal.add_page(partner_sample("roerdal", "page-2.json"))
    await eventually(lambda: running.poller.stats.messages == 3, within=10, what="page 2")
    await running.stop()

    token_one, token_two = sims.roerdal.issued
    calls = [(c.path, c.status, c.token) for c in sims.roerdal.calls]
    refused = calls.index((FEED_PATH, 401, token_one))
    assert calls[refused + 1 : refused + 3] == [
        (TOKEN_PATH, 200, None),
        (FEED_PATH, 200, token_two),
    ]
    assert [c for c in calls if c[1] == 401] == [(FEED_PATH, 401, token_one)]
    assert len(sims.roerdal.token_calls()) == 2
    assert {c.sinds for c in sims.roerdal.feed_calls()[1:]} == {first}
    assert len(await stored_mutaties(kafka)) == 3


async def test_refused_client_credentials_stop_the_poller_loudly(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    serve_shared_pages(sims)
    running = await start_poller(client_secret="wrong")
    with pytest.raises(SourceCredentialFault):
        await running.task
    assert [c.path for c in sims.roerdal.calls] == [TOKEN_PATH]


async def test_a_429_is_honoured_for_its_retry_after(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    serve_shared_pages(sims)
    sims.roerdal.add_fault(FEED_PATH, 429, retry_after=0.4)
    running = await start_poller()
    await eventually(lambda: running.poller.stats.pages == 2, within=10, what="two pages")
    await running.stop()

    limited, retried = sims.roerdal.feed_calls()[:2]
    assert (limited.status, retried.status, retried.sinds) == (429, 200, None)
    assert retried.at - limited.at >= 0.4
    assert running.poller.stats.source_faults == 1
    assert len(await stored_mutaties(kafka)) == 3


async def test_5xx_and_a_slow_answer_are_retried_with_back_off(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    serve_shared_pages(sims)
    sims.roerdal.add_fault(FEED_PATH, 503)
    sims.roerdal.add_fault(FEED_PATH, 502)
    sims.roerdal.add_fault(FEED_PATH, None, delay_seconds=0.6)  # slow, beyond the time-out
    running = await start_poller(timeout_seconds=0.3)
    await eventually(lambda: running.poller.stats.pages == 2, within=10, what="two pages")
    await running.stop()

    assert running.poller.stats.source_faults == 3
    statuses = [(c.status, c.fault) for c in sims.roerdal.feed_calls()]
    assert statuses[:2] == [(503, True), (502, True)]
    stored = await stored_mutaties(kafka)
    assert sorted(json.loads(m.body)["id"] for m in stored) == [991201, 991202, 991240]


async def test_the_request_rate_stays_within_the_limit_and_roerdal_never_says_429(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    # Roerdal's rule scaled down: 4 requests per 0.5 s, on both sides.
    sims.roerdal.rate_limit, sims.roerdal.rate_window = 4, 0.5
    for n in range(9):
        body = {"mutaties": [{**MUTATIES[0], "id": 992000 + n}], "cursor": f"c{n}", "meer": True}
        sims.roerdal.add_page(json.dumps(body).encode())
    running = await start_poller(limiter=RateLimiter(4, 0.5), poll_interval_seconds=5)
    await eventually(lambda: running.poller.stats.pages == 9, within=10, what="nine pages")
    await running.stop()

    calls = sims.roerdal.calls
    assert len(calls) == 11  # one token, nine pages, one empty page after the last
    assert all(c.status == 200 for c in calls)
    arrivals = [c.at for c in calls]
    busiest = max(sum(1 for t in arrivals if s <= t < s + 0.5) for s in arrivals)
    assert busiest == 4


async def test_an_empty_feed_is_polled_at_the_interval_until_its_first_page_comes(
    kafka: KafkaSettings, sims: PartnerSimulators, start_poller: StartPoller
) -> None:
    running = await start_poller(poll_interval_seconds=0.1)
    await eventually(lambda: len(sims.roerdal.feed_calls()) >= 3, within=10, what="idle polls")
    assert running.poller.stats.messages == 0
    serve_shared_pages(sims)
    await eventually(lambda: running.poller.stats.messages == 3, within=10, what="both pages")
    await running.stop()
    idle = [call.at for call in sims.roerdal.feed_calls()[:3]]
    gaps = [later - earlier for earlier, later in itertools.pairwise(idle)]
    assert all(gap >= 0.1 for gap in gaps)  # meer: false -> the poll interval in between
    assert len(await stored_mutaties(kafka)) == 3
