"""A ``kill -9`` of a real ``ketenbus route`` in the middle of a stream: the facts it
delivered but had not committed go again, and each goes as the same request (the same
Referentienummer with the same body), which a strict VERA system insists on."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from contracts import AppointmentPlanned, KafkaSettings, OrderAccepted
from kit.kafka.state import read_compacted
from router.destinations.onderhoud.status_clock import status_clock_topic
from tests.integration.processes import KetenbusProcess, write_config
from tests.integration.test_router_onderhoud import completed, order
from tests.router.kit import API_KEYS, at, publish, ref, wrap

ORDERS = 20
SLOW = order(999)


async def committed(kafka: KafkaSettings, group: str) -> dict[int, int]:
    """The group's committed offsets on the orders topic, per partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {
        tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == kafka.topics.orders
    }


async def clock(kafka: KafkaSettings) -> dict[str, datetime]:
    state = await read_compacted(kafka, status_clock_topic(kafka))
    return {key.decode(): datetime.fromisoformat(json.loads(value)["status_at"])
            for key, value in state.items()}  # fmt: skip


async def polled(
    probe: Callable[[], Awaitable[Any]], wanted: Callable[[Any], bool], within: float = 30.0
) -> Any:
    """Ask the broker until the answer is the wanted one or ``within`` has passed; the
    last answer either way (the caller asserts on it)."""
    deadline = time.monotonic() + within
    got = await probe()
    while not wanted(got) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        got = await probe()
    return got


async def test_a_redelivery_after_kill_9_is_the_same_request(kafka, backoffice, tmp_path) -> None:
    # One partition: the slow order's first fact holds the committed offset at 0 while
    # every other order's ACC, appointment and TGE are delivered and their clock (the
    # TGE's time) is on the broker. After the kill all of them come again, the clock
    # already at the TGE: the ACC and the appointment must go exactly as they went.
    backoffice.state.add_fault("onderhoud", None, delay_seconds=45, path_contains=SLOW)
    events = [wrap(OrderAccepted(order_number=SLOW, occurred_at=at(0)), "SLOW-1")]
    for n in range(ORDERS):
        number = order(500 + n)
        events += [
            wrap(OrderAccepted(order_number=number, occurred_at=at(0)), f"C-{n}-ACC"),
            wrap(
                AppointmentPlanned(
                    order_number=number, occurred_at=at(10), starts_at=at(60), ends_at=at(120)
                ),
                f"C-{n}-PLN",
            ),
            wrap(completed(number, 20), f"C-{n}-TGE"),
        ]
    await publish(kafka, *events, partition=0)
    config = write_config(tmp_path / "ketenbus.toml", kafka, {
        "onderhoud": {
            "base_url": backoffice.url_for("onderhoud"), "api_key": API_KEYS["onderhoud"],
            "timeout_seconds": 60, "concurrency": 4,
            "retry": {"max_attempts": 4, "first_wait": 0.05, "max_wait": 0.2},
        },
    })  # fmt: skip
    group = f"{kafka.topic_prefix}ketenbus-router-onderhoud"

    async with KetenbusProcess(config, tmp_path / "first.log") as first:
        await backoffice.wait_for_received(3 * ORDERS, system="onderhoud", timeout=60)
        done = {order(500 + n): at(20) for n in range(ORDERS)}
        # The clock records go out without waiting for the broker: poll it for them.
        clocks = await polled(lambda: clock(kafka), lambda got: done.items() <= got.items())
        assert {number: clocks.get(number) for number in done} == done
        assert await committed(kafka, group) in ({}, {0: 0})  # the slow fact holds it
        await first.kill()

    async with KetenbusProcess(config, tmp_path / "second.log") as second:
        await backoffice.wait_for_received(3 * ORDERS + 1, system="onderhoud", timeout=60)
        everything = {0: len(events)}
        assert await polled(lambda: committed(kafka, group), everything.__eq__) == everything
        assert await second.stop() == 0

    calls = [c for c in backoffice.state.calls("onderhoud") if not c.fault]
    by_reference = defaultdict(list)
    for call in calls:
        by_reference[call.referentienummer].append(call)
    differing = {
        reference: [c.body for c in same]
        for reference, same in by_reference.items()
        if any(c.body != same[0].body for c in same)
    }
    assert differing == {}
    assert [c.status for c in calls if c.status != 200] == []
    # Every fact delivered before the kill came again (the slow one may have been
    # handled late, after the restart's delivery of it).
    redelivered = [
        same for key, same in by_reference.items() if len(same) > 1 and key != ref("SLOW-1")
    ]
    assert len(redelivered) == 3 * ORDERS
    assert all(len(same) == 2 and same[1].replay for same in redelivered)
    for n in range(ORDERS):
        assert backoffice.state.order(order(500 + n))["status"] == {"code": "TEC"}
    assert backoffice.state.order(SLOW)["status"] == {"code": "INB"}
