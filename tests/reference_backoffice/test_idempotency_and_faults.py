"""Referentienummer replays and injected faults, as the router's tests will use them."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from devkit.reference_backoffice import BackOfficeServer, BackOfficeState

from .helpers import ORDER, headers_for

BODY = {"status": {"code": "INB"}}


def order_url(server: BackOfficeServer, order: str = ORDER) -> str:
    return f"{server.url_for('onderhoud')}/onderhoudsorders/{order}"


async def test_repeated_referentienummer_gets_the_same_answer_and_one_effect(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    headers = headers_for("onderhoud", "ref-once")
    first = await http.patch(order_url(server), headers=headers, json=BODY)
    again = await http.patch(order_url(server), headers=headers, json=BODY)

    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert len(server.state.received()) == 1
    assert server.state.replays == 1
    assert [c.replay for c in server.state.calls()] == [False, True]
    assert not server.state.calls()[1].replay_mismatch
    stats = (await http.get(f"{server.base_url}/_control/stats")).json()
    assert stats["replays"] == 1
    assert stats["received"] == 1


async def test_a_reused_referentienummer_with_another_body_is_refused_with_409(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    headers = headers_for("onderhoud", "ref-shared")
    await http.patch(order_url(server), headers=headers, json=BODY)
    other = await http.patch(order_url(server), headers=headers, json={"status": {"code": "TEC"}})
    again = await http.patch(order_url(server), headers=headers, json=BODY)

    assert other.status_code == 409
    assert other.json()["code"] == "409"
    assert "Referentienummer" in other.json()["omschrijving"]
    assert again.status_code == 200  # the same request still gets its stored answer
    assert server.state.orders[ORDER]["status"] == {"code": "INB"}
    assert [(c.replay, c.replay_mismatch) for c in server.state.calls()] == [
        (False, False), (False, True), (True, False),
    ]  # fmt: skip
    assert server.state.replays == 1


async def test_referentienummers_are_per_system(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    signal = {"soort": {"code": "AGR"}, "status": {"code": "ACT"}}
    await http.patch(order_url(server), headers=headers_for("onderhoud", "ref-x"), json=BODY)
    response = await http.post(
        f"{server.url_for('relaties')}/signaleringen",
        headers=headers_for("relaties", "ref-x"),
        json=signal,
    )

    assert response.status_code == 201
    assert len(server.state.received()) == 2
    assert server.state.replays == 0


async def test_a_refused_request_is_not_stored_and_can_be_sent_again(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    headers = headers_for("onderhoud", "ref-fixed-later")
    refused = await http.patch(order_url(server), headers=headers, json={"stauts": {"code": "INB"}})
    accepted = await http.patch(order_url(server), headers=headers, json=BODY)

    assert (refused.status_code, accepted.status_code) == (400, 200)
    assert server.state.replays == 0


def test_the_seven_day_window_ends() -> None:
    now = [1000.0]
    state = BackOfficeState(clock=lambda: now[0])
    headers = {
        "X-Stuurgegevens-Zender-Organisatie": "ketenbus",
        "X-Stuurgegevens-Tijdstip-Bericht": "2026-11-28T08:41:00Z",
        "X-Stuurgegevens-Referentienummer": "ref-old",
    }
    state.accept(
        system="onderhoud",
        method="PATCH",
        path=f"/onderhoudsorders/{ORDER}",
        operation="/onderhoudsorders/{id}",
        collection="onderhoudsorders",
        resource_id=ORDER,
        stuurgegevens=headers,
        body=BODY,
    )

    now[0] += 7 * 24 * 3600 - 1
    assert state.stored_answer("onderhoud", "ref-old") is not None
    now[0] += 2
    assert state.stored_answer("onderhoud", "ref-old") is None


async def test_injected_503_with_retry_after_then_success_on_the_same_referentienummer(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        f"{server.base_url}/_control/faults",
        json={"system": "onderhoud", "status": 503, "times": 2, "retry_after": 1},
    )
    assert response.status_code == 201
    headers = headers_for("onderhoud", "ref-retried")

    answers = [await http.patch(order_url(server), headers=headers, json=BODY) for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "1"
    assert answers[0].json()["code"] == "503"
    assert [c.fault for c in server.state.calls()] == [True, True, False]
    assert len(server.state.received()) == 1
    assert server.state.replays == 0
    assert server.state.faults() == []


async def test_faults_apply_in_order_to_matching_requests_only(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    server.state.add_fault("onderhoud", 500, path_contains="WL-2026-9")
    server.state.add_fault("onderhoud", 429, retry_after=0.5, body={"code": "TE_VEEL"})
    server.state.add_fault("financien", 502)

    other_order = await http.patch(
        order_url(server, "WL-2026-000001"), headers=headers_for("onderhoud"), json=BODY
    )
    matching = await http.patch(
        order_url(server, "WL-2026-900001"), headers=headers_for("onderhoud"), json=BODY
    )
    normal = await http.patch(
        order_url(server, "WL-2026-900002"), headers=headers_for("onderhoud"), json=BODY
    )

    assert (other_order.status_code, matching.status_code, normal.status_code) == (429, 500, 200)
    assert other_order.headers["Retry-After"] == "0.5"
    assert other_order.json() == {"code": "TE_VEEL"}
    assert [f["system"] for f in server.state.faults()] == ["financien"]
    cleared = await http.delete(f"{server.base_url}/_control/faults")
    assert cleared.json() == {"cleared": 1}


async def test_delay_only_fault_answers_normally_after_the_delay(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    server.state.add_fault("onderhoud", None, delay_seconds=0.3)

    started = time.monotonic()
    response = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=BODY)

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    [call] = server.state.calls()
    assert call.delayed_seconds == pytest.approx(0.3)
    assert not call.fault


async def test_a_slow_answer_still_takes_effect_and_the_retry_is_a_replay(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    # The client gives up, the system carries on: exactly why retries reuse the Referentienummer.
    server.state.add_fault("onderhoud", None, delay_seconds=0.4)
    headers = headers_for("onderhoud", "ref-slow")

    with pytest.raises(httpx.ReadTimeout):
        await http.patch(order_url(server), headers=headers, json=BODY, timeout=0.1)
    await server.wait_for_received(1, system="onderhoud", timeout=2.0)
    retry = await http.patch(order_url(server), headers=headers, json=BODY)

    assert retry.status_code == 200
    assert len(server.state.received()) == 1
    assert server.state.replays == 1


async def test_maintenance_window_answers_503_to_everything_until_it_ends(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    await http.post(
        f"{server.base_url}/_control/faults",
        json={"system": "onderhoud", "status": 503, "until_seconds": 0.4},
    )

    during = [
        await http.patch(order_url(server), headers=headers_for("onderhoud"), json=BODY)
        for _ in range(3)
    ]
    other_system = await http.post(
        f"{server.url_for('relaties')}/signaleringen",
        headers=headers_for("relaties"),
        json={"soort": {"code": "OVE"}},
    )
    await asyncio.sleep(0.45)
    after = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=BODY)

    assert [r.status_code for r in during] == [503, 503, 503]
    assert other_system.status_code == 201
    assert after.status_code == 200
    assert len(server.state.received(system="onderhoud")) == 1


async def test_malformed_faults_are_refused(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    for fault in (
        {"system": "dwh", "status": 503},
        {"system": "onderhoud", "status": 99},
        {"system": "onderhoud", "times": 0},
        {"system": "onderhoud", "stauts": 503},
    ):
        response = await http.post(f"{server.base_url}/_control/faults", json=fault)
        assert response.status_code == 400, fault
    assert server.state.faults() == []
