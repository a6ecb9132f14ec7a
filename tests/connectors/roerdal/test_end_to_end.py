"""Roerdal's mutaties to the maintenance system, end to end on the real broker.

Roerdal's simulated API serves both shared pages; the poller (the plugin's ingress
runner, as ``ketenbus ingress`` runs it), the translator and the router run in this
loop; the VERA reference back office checks every call against the spec. What it
received is compared call by call with what the corporation's mapping prescribes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from connectors.roerdal import run_poller
from contracts import KafkaSettings, event_id
from devkit.partner_simulators import PartnerSimulators
from devkit.reference_backoffice import BackOfficeServer
from ketenbus import services
from ketenbus.config import KetenbusSettings
from kit.delivery.retry import RetryPolicy
from tests.connectors.roerdal.conftest import FAST, serve_shared_pages
from tests.samples import partner_sample

API_KEY = "test-key-onderhoud"
ORDER = "/onderhoudsorders/WL-2026-004713"


def ref(mutatie_id: int) -> str:
    return event_id("roerdal", str(mutatie_id), 0)


EXPECTED = {
    ref(991201): (ORDER, {"status": {"code": "INB"}}),
    ref(991202): (
        ORDER,
        {
            "status": {"code": "PLN"},
            "afspraken": [
                {
                    "status": {"code": "GEP"},
                    "begindatum": "2026-12-01T07:00:00Z",
                    "einddatum": "2026-12-01T11:00:00Z",
                }
            ],
        },
    ),
    ref(991240): (
        ORDER,
        {
            "status": {"code": "TEC"},
            "technischGereeddatum": "2026-12-01T10:41:19Z",
            "onderhoudstaken": [
                {
                    "status": {"code": "GER"},
                    "onderhoudsbestedingen": [
                        {
                            "soort": {"code": "WER"},
                            "aantal": Decimal("3.5"),
                            "meeteenheid": {"code": "UUR"},
                        },
                        {
                            "soort": {"code": "MAT"},
                            "omschrijving": "Dubbel glas HR++ 84x112",
                            "aantal": 1,
                            "meeteenheid": {"code": "STU"},
                            "bedrag": Decimal("212.40"),
                        },
                        {
                            "soort": {"code": "MAT"},
                            "omschrijving": "Glaslatten grenen",
                            "aantal": Decimal("4.2"),
                            "meeteenheid": {"code": "MTR"},
                            # 4,2 m x EUR 3,15 = 13,23
                            "bedrag": Decimal("13.23"),
                        },
                    ],
                }
            ],
        },
    ),
}


@pytest.fixture
async def backoffice(vera_specs) -> AsyncIterator[BackOfficeServer]:
    async with BackOfficeServer(vera_specs, {"onderhoud": API_KEY}) as server:
        yield server


@pytest.fixture
async def chain(
    kafka: KafkaSettings, sims: PartnerSimulators, backoffice: BackOfficeServer
) -> AsyncIterator[KetenbusSettings]:
    settings = KetenbusSettings(
        kafka=kafka,
        partners={
            "roerdal": {
                "api_base_url": sims.roerdal_url,
                "client_id": sims.roerdal.client_id,
                "client_secret": sims.roerdal.client_secret,
                "page_size": 2,
                "poll_interval_seconds": 0.2,
                "timeout_seconds": 2.0,
                "backoff": FAST.model_dump(),
            }
        },
        destinations={
            "onderhoud": {
                "base_url": backoffice.url_for("onderhoud"),
                "api_key": API_KEY,
                "timeout_seconds": 2.0,
                "retry": RetryPolicy(max_attempts=4, first_wait=0.05, max_wait=0.2).model_dump(),
            }
        },
    )
    stopping = asyncio.Event()
    translator = services.translator(settings)
    workers = services.delivery_workers(settings)
    tasks = [
        asyncio.create_task(run_poller(settings.partners["roerdal"], kafka, stopping)),
        asyncio.create_task(translator.run(stopping)),
        *(asyncio.create_task(worker.run(stopping)) for worker in workers),
    ]
    yield settings
    stopping.set()
    await asyncio.gather(*tasks)


async def test_both_shared_pages_reach_the_maintenance_system_as_the_mapping_prescribes(
    chain: KetenbusSettings, sims: PartnerSimulators, backoffice: BackOfficeServer
) -> None:
    serve_shared_pages(sims)

    received = await backoffice.wait_for_received(3, system="onderhoud", timeout=20)
    assert {r.referentienummer: (r.path, r.body) for r in received} == EXPECTED
    # In the order Roerdal reported them (one order, one partition).
    assert [r.referentienummer for r in received] == [ref(991201), ref(991202), ref(991240)]
    assert all(c.method == "PATCH" and not c.invalid for c in backoffice.state.calls())
    assert backoffice.state.order("WL-2026-004713")["status"] == {"code": "TEC"}
    # The planning's note names a neighbour: it never reaches the maintenance system.
    assert "buren" not in json.dumps([c.body for c in backoffice.state.calls()], default=str)


async def test_a_mutatie_served_again_in_a_later_page_has_no_second_effect(
    chain: KetenbusSettings, sims: PartnerSimulators, backoffice: BackOfficeServer
) -> None:
    serve_shared_pages(sims)
    await backoffice.wait_for_received(3, system="onderhoud", timeout=20)
    (gereed,) = json.loads(partner_sample("roerdal", "page-2.json"))["mutaties"]
    closed = {**gereed, "id": 991250, "soort": "status", "status": "AGE",
              "wanneer": "2026-12-02 09:00:00", "uren": None, "materiaal": None}  # fmt: skip
    # Roerdal serves the gereed mutatie again (same id), then a new one for the same order.
    sims.roerdal.add_mutaties([gereed, closed], cursor="eyJpZCI6OTkxMjUwfQ")

    received = await backoffice.wait_for_received(4, system="onderhoud", timeout=20)
    # The facts of one order are handled in order: when the new one arrived, the one
    # served again had been handled too, and it was not done a second time.
    assert [r.referentienummer for r in received] == [
        ref(991201), ref(991202), ref(991240), ref(991250),
    ]  # fmt: skip
    assert received[-1].body == {"status": {"code": "FIN"}}
    again = [c for c in backoffice.state.calls("onderhoud") if c.referentienummer == ref(991240)]
    assert all(c.replay for c in again[1:])  # answered again, not done again, if sent at all
