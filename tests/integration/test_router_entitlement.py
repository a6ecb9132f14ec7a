"""Entitlement on the real broker: special-category content cannot reach a destination
that may not have it, even when the configuration asks for it by mistake: start-up
refuses such a configuration, and a worker built around that check withholds the fact,
reports it, and goes on."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from contracts import (
    InvoiceSubmitted,
    OrderAccepted,
    OrderRefused,
    SignalCategory,
    SocialSignalRaised,
)
from ketenbus.config import KetenbusSettings
from router.delivery import DeliveryWorker
from router.plugin import BuildContext
from router.registry import DESTINATIONS
from tests.kafka_helpers import eventually, read_records
from tests.router.kit import (
    API_KEYS,
    FAST,
    PSEUDONYM_KEY,
    at,
    build,
    publish,
    publish_raw,
    ref,
    running,
    wrap,
)
from tests.router.samples import invoice

SECRET = "Bewoner heeft ernstige psychische klachten"
SIGNAL = SocialSignalRaised(
    order_number="WL-2026-000001", occurred_at=at(0), category=SignalCategory.ZORGBEHOEFTE,
    signal_note=SECRET, urgent=True,
)  # fmt: skip
SIGNAL_ROUTE = SocialSignalRaised.fact_type


def entry(destination: str, backoffice_url: str = "http://127.0.0.1:9/x") -> dict:
    if destination == "dwh":
        return {"pseudonym_key": PSEUDONYM_KEY}
    return {"base_url": backoffice_url, "api_key": API_KEYS[destination]}


@pytest.mark.parametrize(
    ("destination", "mistake", "message"),
    [
        ("onderhoud", {"routes": ["order.accepted", SIGNAL_ROUTE]},
         "'order.social-signal-raised' carries social-care data, which onderhoud is not "
         "entitled to receive"),
        ("financien", {"routes": ["order.invoice-submitted", SIGNAL_ROUTE],
                       "entitlement": {"purposes": ["invoicing", "social-care"],
                                       "classification": "special-category"}},
         "purpose 'social-care' is beyond what it may ever receive"),
        ("relaties", {"routes": [SIGNAL_ROUTE, "order.accepted"]},
         "'order.accepted' carries order-execution data, which relaties is not entitled"),
        ("dwh", {"entitlement": {"purposes": ["order-execution", "invoicing", "social-care"],
                                 "classification": "special-category", "free_text": True}},
         "classification 'special-category' is beyond 'internal'"),
    ],
)  # fmt: skip
def test_start_up_refuses_a_configuration_that_asks_for_too_much(
    destination, mistake, message
) -> None:
    with pytest.raises(ValidationError) as refused:
        KetenbusSettings(destinations={destination: entry(destination) | mistake})
    assert f"destinations.{destination}: " in str(refused.value)
    assert message in str(refused.value)


def bypassing_the_check(destination: str, kafka, backoffice, routes: set[str]) -> DeliveryWorker:
    """A worker built as if the start-up check had been skipped (a bug, a hand-made config)."""
    plugin = DESTINATIONS[destination]
    settings = plugin.settings_model.model_validate(
        entry(destination, backoffice.url_for(destination)) | FAST
    )
    worker = plugin.build(settings, BuildContext(kafka, "ketenbus-test"))
    assert isinstance(worker, DeliveryWorker)
    worker.routes = frozenset(routes)
    return worker


@pytest.mark.parametrize(
    ("destination", "fact", "route"),
    [
        ("onderhoud", OrderAccepted(order_number="WL-2026-000002", occurred_at=at(1)),
         "order.accepted"),
        ("financien", invoice(order_number="WL-2026-000002"), InvoiceSubmitted.fact_type),
    ],
)  # fmt: skip
async def test_a_signal_routed_by_mistake_is_withheld_and_reported(
    kafka, backoffice, destination, fact, route, caplog
) -> None:
    worker = bypassing_the_check(destination, kafka, backoffice, {route, SIGNAL_ROUTE})
    signal = wrap(SIGNAL, "SIG-1")
    await publish(kafka, signal, wrap(fact, "NEXT-1"))
    async with running(worker):
        await backoffice.wait_for_received(1, system=destination)
        await eventually(lambda: worker.stats.outcomes["withheld"] == 1, what="the signal withheld")

    assert [c.referentienummer for c in backoffice.state.calls()] == [ref("NEXT-1")]
    assert f"event {signal.id} (order.social-signal-raised): purpose social-care" in caplog.text
    assert SECRET not in caplog.text
    # Withheld is not parked: the destination's dead letters never hold what it may not see.
    assert await read_records(kafka, kafka.topics.deadletter(destination), 0) == []


async def test_relaties_withholds_a_mis_tagged_order_fact(kafka, backoffice) -> None:
    worker = bypassing_the_check("relaties", kafka, backoffice, {SIGNAL_ROUTE, "order.accepted"})
    accepted = wrap(OrderAccepted(order_number="WL-2026-000002", occurred_at=at(1)), "ACC-1")
    # On the restricted topic and tagged social-care: it is still an order fact.
    await publish(
        kafka, accepted, topic=kafka.topics.signals, headers={"ce_purpose": b"social-care"}
    )
    await publish(kafka, wrap(SIGNAL, "SIG-1"))
    async with running(worker):
        await backoffice.wait_for_received(1, system="relaties")
        await eventually(
            lambda: worker.stats.outcomes["withheld"] == 1, what="the order fact withheld"
        )
    assert [c.referentienummer for c in backoffice.state.calls()] == [ref("SIG-1")]


async def test_the_warehouse_never_gets_a_signal_as_an_order_record(kafka) -> None:
    # A signal tagged as an order fact would link an order to a signal: withheld.
    mistagged = wrap(SIGNAL, "SIG-1")
    await publish(kafka, mistagged, headers={"ce_purpose": b"order-execution"})
    # An unreadable record on the restricted topic: not parked in the warehouse's dead
    # letters (its headers alone say "this order has a signal").
    record = wrap(SIGNAL, "SIG-2").to_kafka()
    await publish_raw(kafka, kafka.topics.signals, record.key, b"{not json", list(record.headers))
    await publish(kafka, wrap(OrderAccepted(order_number="WL-2026-000003", occurred_at=at(2)), "A"))
    worker = build("dwh", kafka)
    async with running(worker):
        await eventually(lambda: worker.stats.outcomes["withheld"] == 2, what="both withheld")
        await eventually(
            lambda: worker.stats.outcomes["delivered"] == 1, what="the order fact delivered"
        )
    (only,) = await read_records(kafka, kafka.topics.dwh, 1)
    assert json.loads(only.value)["type"] == "order.accepted"
    assert await read_records(kafka, kafka.topics.dwh_signal_counts, 0) == []
    assert await read_records(kafka, kafka.topics.deadletter("dwh"), 0) == []


async def test_a_narrowed_entitlement_removes_marked_fields_by_rule(kafka, backoffice) -> None:
    # onderhoud configured for internal data only: the refusal note (personal) stays home.
    narrow = {"entitlement": {"purposes": ["order-execution"], "classification": "internal"}}
    refused = OrderRefused(order_number="WL-2026-000004", occurred_at=at(0), note="Dhr. Jansen")
    await publish(kafka, wrap(refused, "WEI-1"))
    async with running(build("onderhoud", kafka, backoffice, **narrow)):
        (received,) = await backoffice.wait_for_received(1, system="onderhoud")
    assert received.body == {"status": {"code": "REG"}}
