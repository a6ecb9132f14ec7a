"""Maasdal's webhook to the maintenance system, end to end on the real broker.

The shared samples go in as signed webhook calls; what the VERA reference back office
received is compared call by call with what the corporation's mapping prescribes.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal

from contracts import CanonicalEvent, DeadLetterHeader, context_of, event_id
from tests.integration.conftest import Pipeline
from tests.kafka_helpers import eventually, read_records
from tests.samples import partner_sample

SAMPLES = [
    "01-status-acc.json",
    "02-afspraak.json",
    "03-gereed.json",
    "04-signalering.json",
    "05-status-ond.json",
    "06-status-ver.json",
]


def ref(message_id: str) -> str:
    return event_id("maasdal", message_id, 0)


EXPECTED = {
    ref("MD-20261126-000101"): ("/onderhoudsorders/WL-2026-004711", {"status": {"code": "INB"}}),
    ref("MD-20261126-000102"): (
        "/onderhoudsorders/WL-2026-004711",
        {
            "status": {"code": "PLN"},
            "afspraken": [
                {
                    "status": {"code": "GEP"},
                    "begindatum": "2026-11-28T07:00:00Z",
                    "einddatum": "2026-11-28T09:00:00Z",
                }
            ],
        },
    ),
    ref("MD-20261128-000417"): (
        "/onderhoudsorders/WL-2026-004711",
        {
            "status": {"code": "TEC"},
            "technischGereeddatum": "2026-11-28T08:40:00Z",
            "onderhoudstaken": [
                {
                    "status": {"code": "GER"},
                    "onderhoudsbestedingen": [
                        {
                            "soort": {"code": "WER"},
                            "aantal": Decimal("1.25"),
                            "meeteenheid": {"code": "UUR"},
                        },
                        {
                            "soort": {"code": "MAT"},
                            "omschrijving": "Thermostatische radiatorkraan",
                            "aantal": 1,
                            "meeteenheid": {"code": "STU"},
                            "bedrag": Decimal("38.95"),
                        },
                        {
                            "soort": {"code": "MAT"},
                            "omschrijving": "Knelkoppeling 15 mm",
                            "aantal": 2,
                            "meeteenheid": {"code": "STU"},
                            "bedrag": Decimal("6.20"),
                        },
                    ],
                }
            ],
            "defecten": [{"oorzaak": {"code": "SLT"}, "bouwkundigElement": {"code": "52.11"}}],
        },
    ),
    ref("MD-20261127-000233"): (
        "/onderhoudsorders/WL-2026-004720",
        {
            "status": {"code": "INB"},
            "onderhoudstaken": [{"status": {"code": "OND"}, "detailStatus": {"code": "MAT"}}],
        },
    ),
    ref("MD-20261127-000234"): (
        "/onderhoudsorders/WL-2026-004720",
        {"uitersteGereeddatum": "2026-12-04T22:59:59Z"},
    ),
}


async def test_the_interface_samples_reach_the_maintenance_system_as_the_mapping_prescribes(
    pipeline: Pipeline, backoffice
) -> None:
    for name in SAMPLES:
        response = await pipeline.send(partner_sample("maasdal", name))
        assert response.status_code == 202, response.text

    received = await backoffice.wait_for_received(5, system="onderhoud")
    assert {r.referentienummer: (r.path, r.body) for r in received} == EXPECTED
    # Exact amounts: the back office read them as Decimal, and the wire carried 38.95, not a float.
    amounts = [
        spent.get("bedrag")
        for r in received if "technischGereeddatum" in r.body
        for spent in r.body["onderhoudstaken"][0]["onderhoudsbestedingen"]
    ]  # fmt: skip
    assert amounts == [None, Decimal("38.95"), Decimal("6.20")]
    # Facts of one order arrive in the order the partner sent them.
    order_4711 = [r.referentienummer for r in received if r.path.endswith("004711")]
    assert order_4711 == [
        ref("MD-20261126-000101"),
        ref("MD-20261126-000102"),
        ref("MD-20261128-000417"),
    ]
    for call in received:
        assert call.method == "PATCH"
        assert call.zender_organisatie == "ketenbus"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", call.tijdstip_bericht)
    assert backoffice.state.order("WL-2026-004711")["status"] == {"code": "TEC"}

    # The social signal went to the restricted topic, never to the maintenance system.
    (signal,) = await read_records(
        pipeline.settings.kafka, pipeline.settings.kafka.topics.signals, 1
    )
    event = CanonicalEvent.from_kafka(signal.value, tuple(signal.headers))
    assert event.fact_type == "order.social-signal-raised"
    await eventually(lambda: pipeline.worker.stats.outcomes["delivered"] == 5, what="5 deliveries")
    assert pipeline.worker.stats.outcomes["skipped"] == 0
    assert all(
        "Bewoonster" not in json.dumps(c.body, default=str) for c in backoffice.state.calls()
    )


async def test_a_duplicate_webhook_delivery_gives_one_effect(
    pipeline: Pipeline, backoffice
) -> None:
    body = partner_sample("maasdal", "01-status-acc.json")
    assert (await pipeline.send(body)).status_code == 202
    assert (await pipeline.send(body)).status_code == 202  # Maasdal re-sends after a time-out

    # The translator remembers the event it wrote: the re-sent message writes nothing.
    await eventually(
        lambda: pipeline.translator.stats.outcomes["duplicate"] == 1, what="the duplicate seen"
    )
    (call,) = await backoffice.wait_for_received(1, system="onderhoud")
    assert call.referentienummer == ref("MD-20261126-000101")
    assert pipeline.translator.stats.outputs["event"] == 1
    await eventually(
        lambda: pipeline.worker.stats.records == 1, what="the one fact handled by the router"
    )
    assert len(backoffice.state.calls("onderhoud")) == 1


async def test_a_503_is_retried_with_the_same_reference_and_then_delivered(
    pipeline: Pipeline, backoffice
) -> None:
    backoffice.state.add_fault("onderhoud", 503, times=2, retry_after=0)

    assert (await pipeline.send(partner_sample("maasdal", "01-status-acc.json"))).status_code == 202

    (delivered,) = await backoffice.wait_for_received(1, system="onderhoud")
    assert delivered.body == {"status": {"code": "INB"}}
    calls = backoffice.state.calls("onderhoud")
    assert [c.status for c in calls] == [503, 503, 200]
    assert {c.referentienummer for c in calls} == {ref("MD-20261126-000101")}
    assert pipeline.worker.stats.outcomes["dead_lettered"] == 0


async def test_a_400_goes_to_the_dead_letters_at_once_and_holds_nothing_back(
    pipeline: Pipeline, backoffice
) -> None:
    backoffice.state.add_fault(
        "onderhoud", 400, times=1, body={"code": "400", "omschrijving": "status onbekend"},
        path_contains="004711",
    )  # fmt: skip
    assert (await pipeline.send(partner_sample("maasdal", "01-status-acc.json"))).status_code == 202
    assert (await pipeline.send(partner_sample("maasdal", "05-status-ond.json"))).status_code == 202

    kafka = pipeline.settings.kafka
    (parked,) = await read_records(kafka, kafka.topics.deadletter("onderhoud"), 1)
    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.STAGE] == "onderhoud"
    assert context[DeadLetterHeader.EXCEPTION] == "Rejected"
    assert context[DeadLetterHeader.TOPIC] == kafka.topics.orders
    assert context[DeadLetterHeader.ATTEMPTS] == "1"
    assert context[DeadLetterHeader.MESSAGE_ID] == ref("MD-20261126-000101")
    assert "status onbekend" in context[DeadLetterHeader.RESPONSE]
    original = CanonicalEvent.from_kafka(parked.value, tuple(parked.headers))
    assert original.id == ref("MD-20261126-000101")

    # Not retried; the other order was delivered all the same.
    (delivered,) = await backoffice.wait_for_received(1, system="onderhoud")
    assert delivered.path.endswith("WL-2026-004720")
    assert [c.status for c in backoffice.state.calls("onderhoud") if c.path.endswith("004711")] == [
        400
    ]


async def test_an_untranslatable_message_is_parked_with_its_original_bytes(
    pipeline: Pipeline, backoffice
) -> None:
    broken = partner_sample("maasdal", "01-status-acc.json").replace(b'"ACC"', b'"XYZ"')
    assert (await pipeline.send(broken)).status_code == 202  # stored: the partner is done
    assert (await pipeline.send(partner_sample("maasdal", "05-status-ond.json"))).status_code == 202

    kafka = pipeline.settings.kafka
    (parked,) = await read_records(kafka, kafka.topics.deadletter("translate"), 1)
    assert parked.value == broken
    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.STAGE] == "translate"
    assert context[DeadLetterHeader.EXCEPTION] == "InvalidMessage"
    assert context[DeadLetterHeader.TOPIC] == kafka.topics.raw("maasdal")
    assert context[DeadLetterHeader.PARTNER] == "maasdal"
    assert context[DeadLetterHeader.MESSAGE_ID] == "MD-20261126-000101"
    assert "status.code" in context[DeadLetterHeader.MESSAGE]
    (delivered,) = await backoffice.wait_for_received(1, system="onderhoud")
    assert delivered.path.endswith("WL-2026-004720")


async def test_an_incompressible_body_of_the_full_mebibyte_is_stored_and_parked(
    pipeline: Pipeline,
) -> None:
    body = os.urandom(1024 * 1024)  # random bytes: gzip cannot shrink them
    response = await pipeline.send(body)
    assert response.status_code == 202, response.text
    kafka = pipeline.settings.kafka
    (parked,) = await read_records(kafka, kafka.topics.deadletter("translate"), 1)
    assert parked.value == body
    assert context_of(tuple(parked.headers))[DeadLetterHeader.EXCEPTION] == "UnreadableMessage"
