"""Maasdal's outbound channel against its simulated order API on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.maasdal import MaasdalSettings, build_outbound
from connectors.maasdal.outbound import MaasdalOutbound, encode
from devkit.partner_simulators import PartnerSimulators
from kit.delivery.errors import (
    CredentialFault,
    DestinationTimeout,
    DestinationUnavailable,
    RateLimited,
    Rejected,
)
from tests.connectors.outbound.conftest import FAST, sample_event

EVENT = sample_event("WL-2026-004800")


@pytest.fixture
async def maasdal(sims: PartnerSimulators) -> AsyncIterator[MaasdalOutbound]:
    channel = MaasdalOutbound(sims.maasdal_url, sims.maasdal.token, timeout_seconds=2, retry=FAST)
    yield channel
    await channel.aclose()


def test_the_body_is_maasdals_with_the_deadline_in_dutch_time() -> None:
    assert encode(EVENT.data) == {
        "opdrachtnummer": "WL-2026-004800",
        "soort": "REP",
        "omschrijving": "CV-ketel geeft storing F28, geen warm water",
        "uitersteGereed": "2026-12-04T23:59:59+01:00",
        "adres": {
            "postcode": "6211 AB",
            "huisnummer": "12",
            "toevoeging": "A",
            "plaats": "Maastricht",
        },
        "vhe": "VHE-10234",
        "contact": {"naam": "P. van Dijk", "telefoon": "06-12345678"},
        "nlsfb": "56.11",
    }


async def test_201_creates_the_order_with_the_bearer_token(
    sims: PartnerSimulators, maasdal: MaasdalOutbound
) -> None:
    assert await maasdal.deliver(EVENT) == "created (201)"
    assert sims.maasdal.orders == {"WL-2026-004800": encode(EVENT.data)}
    (call,) = sims.maasdal.calls
    assert call.authorization == "Bearer maasdal-token"


async def test_409_means_it_is_there_already_and_counts_as_delivered(
    sims: PartnerSimulators, maasdal: MaasdalOutbound
) -> None:
    await maasdal.deliver(EVENT)
    assert await maasdal.deliver(EVENT) == "already there (409)"
    assert [c.status for c in sims.maasdal.calls] == [201, 409]
    assert len(sims.maasdal.orders) == 1


async def test_400_is_rejected_with_maasdals_answer(
    sims: PartnerSimulators, maasdal: MaasdalOutbound
) -> None:
    sims.maasdal.add_fault(400, body={"fout": "vhe onbekend"})
    with pytest.raises(Rejected) as caught:
        await maasdal.deliver(EVENT)
    assert caught.value.status == 400
    assert caught.value.response_body == '{"fout":"vhe onbekend"}'


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": 429, "retry_after": 3}, RateLimited),
        ({"status": 503, "retry_after": 1}, DestinationUnavailable),
        ({"status": 500}, DestinationUnavailable),
        ({"status": None, "delay_seconds": 0.5}, DestinationTimeout),
    ],
)
async def test_passing_faults(sims: PartnerSimulators, fault, error) -> None:
    sims.maasdal.add_fault(**fault)
    channel = MaasdalOutbound(sims.maasdal_url, sims.maasdal.token, timeout_seconds=0.2)
    try:
        with pytest.raises(error) as caught:
            await channel.deliver(EVENT)
    finally:
        await channel.aclose()
    assert caught.value.retry_after == fault.get("retry_after")


async def test_a_wrong_token_is_a_credential_fault(sims: PartnerSimulators) -> None:
    channel = MaasdalOutbound(sims.maasdal_url, "wrong-token")
    try:
        with pytest.raises(CredentialFault):
            await channel.deliver(EVENT)
    finally:
        await channel.aclose()
    assert sims.maasdal.orders == {}


def test_the_channel_is_built_only_when_the_api_is_configured() -> None:
    assert build_outbound(MaasdalSettings()) is None
    assert build_outbound(MaasdalSettings(api_base_url="http://x")) is None
    settings = MaasdalSettings(api_base_url="http://x", api_token="token-4711", outbound_retry=FAST)
    channel = build_outbound(settings)
    assert channel is not None
    assert channel.retry == FAST
    assert "token-4711" not in repr(settings)
