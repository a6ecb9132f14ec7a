"""Social signals to the relationship system: every row of the table as the exact VERA BRG
POST, from the restricted topic, and nothing else ever."""

from __future__ import annotations

from connectors.adapter import as_translation
from connectors.registry import partners
from contracts import OrderAccepted, SignalCategory, SocialSignalRaised
from router.destinations.relaties import to_vera
from tests.kafka_helpers import eventually
from tests.router.kit import at, build, publish, ref, running, wrap
from tests.samples import partner_sample, raw

NOTE = "Bewoonster woont alleen, woning sterk vervuild, veel ongeopende post"


async def test_every_category_reaches_relaties_as_the_table_says(kafka, backoffice) -> None:
    signals = [
        wrap(SocialSignalRaised(order_number=f"WL-2026-{n:06d}", occurred_at=at(n),
                                category=category, signal_note=NOTE, urgent=n % 2 == 0),
             f"SIG-{n}")
        for n, category in enumerate(SignalCategory, start=1)
    ]  # fmt: skip
    worker = build("relaties", kafka, backoffice)
    assert worker.sources == [kafka.topics.signals]  # the restricted topic, and only that
    await publish(kafka, *signals)
    async with running(worker):
        received = await backoffice.wait_for_received(len(signals), system="relaties")

    assert {r.referentienummer: r.body for r in received} == {
        event.id: to_vera(event.data, partner="maasdal").body for event in signals
    }
    assert {(r.method, r.path, r.status) for r in received} == {("POST", "/signaleringen", 201)}
    assert not any(c.invalid for c in backoffice.state.calls())  # valid VERA BRG
    by_category = {
        signal.data.category.value: (r.body["soort"]["code"], r.body.get("detailSoort"))
        for signal in signals for r in received if r.referentienummer == signal.id
    }  # fmt: skip
    assert by_category == {
        "VERVUILING": ("ONE", {"code": "VER"}), "VERWAARLOZING": ("ONB", None),
        "EENZAAMHEID": ("ONB", None), "OVERLAST": ("OVE", None),
        "BETALINGSPROBLEMEN": ("SCH", {"code": "BET"}), "ZORGBEHOEFTE": ("ONB", None),
        "AGRESSIE": ("AGR", None), "OVERIG": ("ONB", None),
    }  # fmt: skip


async def test_the_maasdal_signal_sample_end_to_end(kafka, backoffice) -> None:
    adapter = partners()["maasdal"].inbound
    sample = raw("maasdal", partner_sample("maasdal", "04-signalering.json"))
    (signal,) = as_translation(adapter(sample)).events
    await publish(kafka, signal)
    async with running(build("relaties", kafka, backoffice)):
        (received,) = await backoffice.wait_for_received(1, system="relaties")
    assert received.referentienummer == ref("MD-20261128-000418")
    assert received.body == {
        "soort": {"code": "ONB"},
        "status": {"code": "ACT"},
        "begindatum": "2026-11-28T08:52:30Z",
        "informatieobjecten": [{
            "soort": {"code": "NOT"},
            "titel": "Toelichting monteur",
            "beschrijving": "Bewoonster woont alleen, woning sterk vervuild, veel ongeopende "
                            "post, zegt geen familie meer te hebben.",
            "vertrouwelijkheid": {"code": "GEH"},
        }],
        "extra-attributen": [
            {"naam": "opdrachtnummer", "waarde": "WL-2026-004711"},
            {"naam": "partner", "waarde": "maasdal"},
        ],
        "sturingslabels": [{
            "soort": {"code": "PRI", "naam": "Prioriteit"},
            "label": {"code": "URG", "naam": "Urgent: contact binnen één werkdag"},
        }],
    }  # fmt: skip


async def test_nothing_but_signals_ever_reaches_relaties(kafka, backoffice) -> None:
    order_fact = wrap(OrderAccepted(order_number="WL-2026-000001", occurred_at=at(0)), "ACC-1")
    misplaced = wrap(OrderAccepted(order_number="WL-2026-000002", occurred_at=at(0)), "ACC-2")
    overlast = SocialSignalRaised(
        order_number="WL-2026-000003",
        occurred_at=at(1),
        category=SignalCategory.OVERLAST,
        urgent=False,
    )
    signal = wrap(overlast, "SIG-1")
    await publish(kafka, order_fact)  # on keten.orders.v1, which relaties does not read
    await publish(kafka, misplaced, signal, topic=kafka.topics.signals)  # a producer's mistake
    worker = build("relaties", kafka, backoffice)
    async with running(worker):
        await backoffice.wait_for_received(1, system="relaties")
        await eventually(
            lambda: worker.stats.outcomes["skipped"] == 1, what="the misplaced fact skipped"
        )
    assert [c.referentienummer for c in backoffice.state.calls()] == [ref("SIG-1")]
