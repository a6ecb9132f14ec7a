"""Invoices to the finance system: the exact POST, valid VERA OHD (``regels``, never the
obsolete ``factuurregels``), and an invoice that does not add up never gets there."""

from __future__ import annotations

import json
from decimal import Decimal

from contracts import DeadLetterHeader, OrderAccepted, context_of
from router.destinations.financien import to_vera
from tests.kafka_helpers import eventually, read_records
from tests.router.kit import at, build, publish, publish_raw, ref, running, wrap
from tests.router.samples import NOTE, ORDER, invoice, reverse_charge_invoice


async def test_invoices_reach_finance_exactly_as_mapped(kafka, backoffice) -> None:
    events = [wrap(invoice(), "INV-1"), wrap(reverse_charge_invoice(), "INV-2")]
    # An order fact on the same topic is not finance's business.
    other = wrap(OrderAccepted(order_number=ORDER, occurred_at=at(0)), "ACC-1")
    worker = build("financien", kafka, backoffice)
    await publish(kafka, events[0], other, events[1])
    async with running(worker):
        received = await backoffice.wait_for_received(2, system="financien")
        await eventually(
            lambda: worker.stats.outcomes["skipped"] == 1, what="the order fact skipped"
        )

    for event, got in zip(events, received, strict=True):
        assert (got.method, got.path, got.status) == ("POST", "/inkoopfacturen", 201)
        assert got.referentienummer == event.id
        assert got.body == to_vera(event.data, partner="maasdal").body
    assert received[0].body["bedrag"] == Decimal("148.27")  # exact, read as a Decimal
    assert received[0].body["regels"][1]["btwAangiftebedrag"] == Decimal("8.18")
    assert all("factuurregels" not in r.body for r in received)
    assert not any(c.invalid for c in backoffice.state.calls())  # valid VERA OHD
    # Finance is entitled to internal data only: no tenant, no note, in any call.
    assert all(NOTE not in json.dumps(c.body, default=str) for c in backoffice.state.calls())
    assert all("Vries" not in json.dumps(c.body, default=str) for c in backoffice.state.calls())
    assert backoffice.state.calls("onderhoud") == []


async def test_an_invoice_that_does_not_add_up_never_reaches_finance(kafka, backoffice) -> None:
    good = wrap(invoice(), "INV-OK").to_kafka()
    # Written around the contract (a connector bug): one cent more in the total.
    broken = json.loads(good.value)
    broken["total_incl_vat"] = "148.28"
    await publish_raw(
        kafka, kafka.topics.orders, good.key, json.dumps(broken).encode(), list(good.headers)
    )
    await publish(kafka, wrap(invoice(invoice_number="MD-F-2026-0043"), "INV-NEXT"))
    worker = build("financien", kafka, backoffice)
    async with running(worker):
        (parked,) = await read_records(kafka, kafka.topics.deadletter("financien"), 1)
        await backoffice.wait_for_received(1, system="financien")

    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.EXCEPTION] == "InvalidEnvelope"
    assert context[DeadLetterHeader.MESSAGE].endswith(
        "invoice does not add up: total incl. btw is 148.28, computed 148.27 (difference 0.01)"
    )
    assert parked.value == b""  # unread, so parked without its bytes; the headers say where
    assert context[DeadLetterHeader.TOPIC] == kafka.topics.orders
    assert [c.referentienummer for c in backoffice.state.calls("financien")] == [ref("INV-NEXT")]
