"""Work orders to partners on the real broker: the assigner, one outbound worker per
partner, Maasdal's simulated API on loopback and Heuvelland's outbox in a temp folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from connectors.heuvelland.outbound import HeuvellandOutbound
from connectors.maasdal.outbound import MaasdalOutbound, encode
from connectors.outbound import Assigner, OutboundStopped, OutboundWorker
from contracts import CanonicalEvent, DeadLetterHeader, KafkaSettings, context_of, event_id
from devkit.partner_simulators import PartnerSimulators
from tests.connectors.outbound.conftest import FAST, sample_event
from tests.connectors.outbound.samples import PARTNERS, to_bytes, workorder, workorder_json
from tests.kafka_helpers import eventually, read_records


@dataclass
class Outbound:
    kafka: KafkaSettings
    assigner: Assigner
    maasdal: OutboundWorker
    heuvelland: OutboundWorker
    outbox: Path

    async def produce(self, *bodies: bytes) -> None:
        """What the maintenance system does: work orders onto keten.workorders.v1."""
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka.bootstrap_servers, acks="all")
        await producer.start()
        try:
            for body in bodies:
                await producer.send_and_wait(self.kafka.topics.workorders, body)
        finally:
            await producer.stop()


@pytest.fixture
async def outbound(
    kafka: KafkaSettings, sims: PartnerSimulators, tmp_path: Path
) -> AsyncIterator[Outbound]:
    assigner = Assigner(kafka, PARTNERS)
    maasdal = OutboundWorker(
        kafka, MaasdalOutbound(sims.maasdal_url, sims.maasdal.token, timeout_seconds=2, retry=FAST)
    )
    heuvelland = OutboundWorker(kafka, HeuvellandOutbound(tmp_path, retry=FAST))
    stopping = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stopping)) for w in (assigner, maasdal, heuvelland)]
    yield Outbound(kafka, assigner, maasdal, heuvelland, tmp_path)
    stopping.set()
    await asyncio.gather(*tasks)


def ref(order: str) -> str:
    return event_id("onderhoud", order, 0)


async def test_each_order_reaches_its_partner_once_and_the_dwh_topic_sees_it(
    outbound: Outbound, sims: PartnerSimulators
) -> None:
    broken = to_bytes({**workorder_json("WL-2026-004800"), "onderhoudSoort": {"code": "PLN"}})
    await outbound.produce(
        workorder("WL-2026-004800"),
        broken,
        workorder("WL-2026-004801"),
        workorder("WL-2026-004800"),  # the maintenance system sends it again
    )

    await eventually(
        lambda: outbound.maasdal.stats.outcomes["delivered"] == 2, what="two hand-overs"
    )
    await eventually(lambda: outbound.heuvelland.stats.outcomes["delivered"] == 1, what="one file")
    # Maasdal: created once; the second hand-over of the same order is a 409, delivered.
    assert [c.status for c in sims.maasdal.calls] == [201, 409]
    assert sims.maasdal.orders == {"WL-2026-004800": encode(sample_event("WL-2026-004800").data)}
    assert [p.name for p in outbound.outbox.iterdir()] == ["WL_WL-2026-004801.xml"]
    assert outbound.maasdal.stats.outcomes["dead_lettered"] == 0

    kafka = outbound.kafka
    records = await read_records(kafka, kafka.topics.orders, 3)
    events = [CanonicalEvent.from_kafka(r.value, tuple(r.headers)) for r in records]
    assert sorted(e.id for e in events) == sorted(
        [ref("WL-2026-004800"), ref("WL-2026-004800"), ref("WL-2026-004801")]
    )
    assert {e.fact_type for e in events} == {"order.assigned"}

    (parked,) = await read_records(kafka, kafka.topics.deadletter("workorders"), 1)
    assert parked.value == broken
    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.STAGE] == "workorders"
    assert context[DeadLetterHeader.EXCEPTION] == "InvalidMessage"
    assert context[DeadLetterHeader.MESSAGE_ID] == "WL-2026-004800"
    assert context[DeadLetterHeader.MESSAGE].startswith("onderhoudSoort.code:")
    assert outbound.assigner.stats.outputs["dead_letter"] == 1


async def test_a_400_is_parked_with_maasdals_answer_and_a_503_then_201_is_delivered(
    outbound: Outbound, sims: PartnerSimulators
) -> None:
    sims.maasdal.add_fault(400, body={"fout": "vhe onbekend"})
    sims.maasdal.add_fault(503, retry_after=0)
    await outbound.produce(workorder("WL-2026-004800"))
    await eventually(
        lambda: outbound.maasdal.stats.outcomes["dead_lettered"] == 1, what="one parked"
    )
    # Another order (after the first, so the injected answers meet them in this order).
    second = {**workorder_json("WL-2026-004800"), "id": "WL-2026-004802"}
    await outbound.produce(to_bytes(second))
    await eventually(
        lambda: outbound.maasdal.stats.outcomes["delivered"] == 1, what="one delivered"
    )
    assert [c.status for c in sims.maasdal.calls] == [400, 503, 201]
    assert list(sims.maasdal.orders) == ["WL-2026-004802"]

    kafka = outbound.kafka
    (parked,) = await read_records(kafka, kafka.topics.deadletter("outbound-maasdal"), 1)
    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.EXCEPTION] == "Rejected"
    assert context[DeadLetterHeader.RESPONSE] == '{"fout":"vhe onbekend"}'
    assert context[DeadLetterHeader.ATTEMPTS] == "1"
    assert context[DeadLetterHeader.MESSAGE_ID] == ref("WL-2026-004800")
    assert CanonicalEvent.from_kafka(parked.value, tuple(parked.headers)).id == ref(
        "WL-2026-004800"
    )


async def test_a_refused_token_stops_maasdals_outbound_without_losing_the_order(
    kafka: KafkaSettings, sims: PartnerSimulators
) -> None:
    assigner = Assigner(kafka, PARTNERS)
    stopping = asyncio.Event()
    assigning = asyncio.create_task(assigner.run(stopping))
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    await producer.send_and_wait(kafka.topics.workorders, workorder("WL-2026-004800"))
    await producer.stop()

    wrong = OutboundWorker(kafka, MaasdalOutbound(sims.maasdal_url, "expired", retry=FAST))
    with pytest.raises(OutboundStopped):
        await asyncio.wait_for(wrong.run(stopping), timeout=20)
    assert [c.status for c in sims.maasdal.calls] == [401]

    # Nothing was committed: with the right token the same order goes out.
    right = OutboundWorker(kafka, MaasdalOutbound(sims.maasdal_url, sims.maasdal.token))
    running = asyncio.create_task(right.run(stopping))
    await eventually(lambda: right.stats.outcomes["delivered"] == 1, what="delivered after the fix")
    stopping.set()
    await asyncio.gather(running, assigning)
    assert list(sims.maasdal.orders) == ["WL-2026-004800"]
