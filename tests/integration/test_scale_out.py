"""Every stage runs as several real processes in its group, through joins, leaves and
``kill -9``: nothing is written twice, nothing lost, every order's facts in order.

Two ``translate``, two ``route`` and two ``outbound`` processes share their groups. While
Maasdal's messages and the maintenance system's work orders stream in, a third
``translate`` joins, one of each stage is killed with ``kill -9`` and started again,
a ``translate`` leaves cleanly, and Maasdal re-sends its first batch. Then:

* on ``keten.orders.v1`` (``read_committed``) every event id appears exactly once, the
  re-sent batch's included (the per-partition producers fence every zombie a kill
  leaves; the translator remembers the ids it wrote, per raw partition);
* at the reference back office every Referentienummer was applied once, and each
  order's status came before its appointment;
* Heuvelland's outbox holds one file per work order;
* no dead letter anywhere.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from contracts import KafkaSettings, OrderAssigned, RawMessage, cloudevents_type, event_id
from contracts.kafka import RAW_TOPIC_CONFIG
from devkit.reference_backoffice import BackOfficeServer
from kit.kafka.topics import ensure_topics
from tests.connectors.outbound.samples import to_bytes, workorder_json
from tests.integration.processes import KetenbusProcess, write_config
from tests.kafka_helpers import caught_up, eventually, read_records
from tests.router.kit import API_KEYS
from tests.samples import partner_sample

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(600)]

ACC = json.loads(partner_sample("maasdal", "01-status-acc.json"))
AFSPRAAK = json.loads(partner_sample("maasdal", "02-afspraak.json"))
WAVE = 40
"""Orders per wave; each order is a status and then an appointment."""


def order_number(index: int) -> str:
    return f"WL-2026-{index:06d}"


def messages(orders: range) -> list[RawMessage]:
    """Per order its status, then its appointment (Maasdal's order, as it sends them)."""
    found = []
    for index in orders:
        for kind, template in (("S", ACC), ("A", AFSPRAAK)):
            body = {
                **template,
                "berichtId": f"{kind}-{index:05d}",
                "opdrachtnummer": order_number(index),
            }
            found.append(
                RawMessage(
                    partner="maasdal",
                    channel="webhook",
                    body=json.dumps(body).encode(),
                    received_at=datetime.now(UTC),
                    content_type="application/json",
                    key=order_number(index).encode(),
                )
            )
    return found


def ids_of(orders: range) -> list[str]:
    return [event_id("maasdal", f"{kind}-{i:05d}", 0) for i in orders for kind in "SA"]


def workorders(indexes: range) -> list[bytes]:
    """Heuvelland's work orders, one per index."""
    template = workorder_json("WL-2026-004801")
    return [to_bytes({**template, "id": f"WL-2026-9{index:05d}"}) for index in indexes]


async def send(kafka: KafkaSettings, raw: list[RawMessage], orders: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for message in raw:
            record = message.to_kafka()
            await producer.send(
                kafka.topics.raw("maasdal"),
                value=record.value,
                key=record.key,
                headers=list(record.headers),
            )
        for body in orders:
            await producer.send(kafka.topics.workorders, body)
        await producer.flush()
    finally:
        await producer.stop()


class Stage:
    """The processes of one command, each with its own output file."""

    def __init__(self, command: str, config: Path, folder: Path) -> None:
        self._command, self._config, self._folder = command, config, folder
        self.processes: dict[str, KetenbusProcess] = {}

    async def start(self, name: str) -> KetenbusProcess:
        output = self._folder / f"{self._command}-{name}.log"
        process = KetenbusProcess(self._config, output, command=self._command)
        self.processes[name] = await process.start()
        return process

    async def kill_all(self) -> None:
        for process in self.processes.values():
            if process._process is not None and process.process.returncode is None:
                await process.kill()

    def lines(self) -> list[str]:
        return [line for p in self.processes.values() for line in p.lines()]


async def test_every_stage_scales_out_through_joins_leaves_and_kill_9(
    kafka: KafkaSettings, backoffice: BackOfficeServer, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    config = write_config(
        tmp_path / "ketenbus.toml",
        kafka,
        {
            "onderhoud": {
                "base_url": backoffice.url_for("onderhoud"),
                "api_key": API_KEYS["onderhoud"],
                "timeout_seconds": 5,
                "retry": {"max_attempts": 20, "first_wait": 0.05, "max_wait": 0.5},
            }
        },
        partners={
            "maasdal": {"webhook_secrets": ["s" * 32]},
            "heuvelland": {"outbox_dir": str(outbox)},
        },
    )
    await ensure_topics(kafka, [kafka.topics.raw("maasdal")], RAW_TOPIC_CONFIG)
    await ensure_topics(kafka, [kafka.topics.workorders, kafka.topics.orders])
    stages = {cmd: Stage(cmd, config, tmp_path) for cmd in ("translate", "route", "outbound")}
    try:
        for stage in stages.values():
            for name in ("1", "2"):
                await stage.start(name)

        await send(kafka, messages(range(0, WAVE)), workorders(range(0, 10)))
        await backoffice.wait_for_received(WAVE, system="onderhoud", timeout=120)

        # A third translator joins mid-stream; then one of each stage is killed.
        await stages["translate"].start("3")
        await send(kafka, messages(range(WAVE, 2 * WAVE)), workorders(range(10, 20)))
        await backoffice.wait_for_received(2 * WAVE + 10, system="onderhoud", timeout=120)
        for stage in stages.values():
            await stage.processes["1"].kill()
        for stage in stages.values():
            await stage.start("1-again")
        # A translator leaves cleanly, and Maasdal re-sends its first batch.
        assert await stages["translate"].processes["2"].stop(within=30) == 0
        await send(kafka, messages(range(2 * WAVE, 3 * WAVE)), workorders(range(20, 30)))
        await send(kafka, messages(range(0, WAVE)), [])

        await backoffice.wait_for_received(6 * WAVE, system="onderhoud", timeout=180)
        await eventually(
            lambda: len(list(outbox.glob("*.xml"))) == 30, within=120, what="30 work-order files"
        )
        # The re-sent batch handled too (it writes nothing): then every fact once, no more.
        await caught_up(
            kafka, f"{kafka.topic_prefix}ketenbus-translator", kafka.topics.raw("maasdal")
        )
        canonical = await read_records(kafka, kafka.topics.orders, 6 * WAVE + 30)
    finally:
        for stage in stages.values():
            await stage.kill_all()

    assigned_type = cloudevents_type(OrderAssigned.fact_type).encode()
    facts = Counter(
        dict(r.headers)["ce_id"].decode()
        for r in canonical
        if dict(r.headers)["ce_type"] != assigned_type
    )
    assert facts == dict.fromkeys(ids_of(range(3 * WAVE)), 1)
    assigned = Counter(
        r.key.decode() for r in canonical if dict(r.headers)["ce_type"] == assigned_type
    )
    assert assigned == {f"WL-2026-9{i:05d}": 1 for i in range(30)}

    # Each Referentienummer applied once; per order, the status before the appointment.
    received = backoffice.state.received("onderhoud")
    by_order: dict[str, list[str]] = {}
    for effect in received:
        by_order.setdefault(effect.resource_id or "?", []).append(effect.referentienummer)
    assert len(received) == len({effect.referentienummer for effect in received}) == 6 * WAVE
    assert by_order == {
        order_number(i): [
            event_id("maasdal", f"S-{i:05d}", 0),
            event_id("maasdal", f"A-{i:05d}", 0),
        ]
        for i in range(3 * WAVE)
    }

    assert sorted(path.name for path in outbox.glob("*.xml")) == sorted(
        f"WL_WL-2026-9{i:05d}.xml" for i in range(30)
    )
    for topic in ("translate", "onderhoud", "outbound-heuvelland", "workorders"):
        assert await read_records(kafka, kafka.topics.deadletter(topic), 0) == [], topic
    # The translators really shared the raw partitions: more than one wrote for some.
    writers = [
        name
        for name, process in stages["translate"].processes.items()
        if any("translator: writing for " in line for line in process.lines())
    ]
    assert len(writers) >= 2, writers
    # No process wrote a traceback, through all of it.
    for stage in stages.values():
        assert not [line for line in stage.lines() if "Traceback" in line]
