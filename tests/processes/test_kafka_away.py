"""Every ketenbus process while Kafka is away: at its start (K) and while it runs (R2).

Real processes (webhook, translate, route, ingress, outbound) against the real local
broker, which the tests stop and start; the maintenance system is the reference back
office, Heuvelland's inbox and outbox are folders.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from contracts.kafka import KafkaSettings
from devkit.local_kafka import LocalKafka
from kit.kafka.outage import REPORT_EVERY_SECONDS
from tests.connectors.outbound.samples import workorder
from tests.kafka_helpers import read_records
from tests.processes.helpers import (
    API_KEY,
    KetenbusProcess,
    free_port,
    ketenbus,
    poll,
    post_signed,
    webhook_port,
    write_config,
)
from tests.samples import partner_sample

pytestmark = pytest.mark.kafka

PROCESSES = ("webhook", "translate", "route", "ingress", "outbound")
READY_LINES = {
    "webhook": "webhook storing on Kafka",
    "translate": "translate running",
    "route": "route running",
    "ingress": "ingress running",
    "outbound": "outbound running",
}
UNREACHABLE = "Kafka unreachable at 127.0.0.1:"
REACHABLE = "Kafka reachable again at 127.0.0.1:"
HEUVELLAND_FILE = "HVL_20261126073000_0001.xml"
OUTBOX_FILE = "WL_WL-2026-004801.xml"  # WL-2026-004801 is Heuvelland's work order
MAX_LINES_PER_SECOND = 2.0


class Flow:
    """The five processes, the back office and the folders of one test."""

    def __init__(self, stack: ExitStack, kafka: KafkaSettings, directory: Path) -> None:
        self.kafka = kafka
        self.directory = directory
        backoffice_port = free_port()
        self.backoffice_url = f"http://127.0.0.1:{backoffice_port}"
        self.config = write_config(
            directory, kafka, backoffice_port=backoffice_port, heuvelland=True
        )
        self.webhook_url = f"http://127.0.0.1:{webhook_port(self.config)}"
        self.client = stack.enter_context(httpx.Client(timeout=15))
        self.backoffice = stack.enter_context(
            ketenbus(
                "backoffice",
                None,
                directory,
                args=["--port", str(backoffice_port), "--api-key", f"onderhoud={API_KEY}"],
                module="devkit",
            )
        )
        self.processes: dict[str, KetenbusProcess] = {
            name: stack.enter_context(ketenbus(name, self.config, directory)) for name in PROCESSES
        }

    def calls_received(self) -> int:
        try:
            answer = self.client.get(f"{self.backoffice_url}/_control/received?system=onderhoud")
        except httpx.TransportError:
            return 0
        return len(answer.json()) if answer.status_code == 200 else 0

    def put_heuvelland_file(self) -> None:
        (self.directory / "inbox" / HEUVELLAND_FILE).write_bytes(
            partner_sample("heuvelland", HEUVELLAND_FILE)
        )

    def produce_workorder(self) -> None:
        async def produce() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=self.kafka.bootstrap_servers, acks="all")
            await producer.start()
            try:
                await producer.send_and_wait(
                    self.kafka.topics.workorders, workorder("WL-2026-004801")
                )
            finally:
                await producer.stop()

        asyncio.run(produce())


@contextmanager
def flow(kafka: KafkaSettings, directory: Path) -> Iterator[Flow]:
    with ExitStack() as stack:
        yield Flow(stack, kafka, directory)


def assert_clean_exit(process: KetenbusProcess, name: str) -> str:
    assert process.stop() == 0, (name, process.lines()[-20:])
    log = process.text()
    assert "Traceback" not in log, (name, log[-3000:])
    assert "Future exception was never retrieved" not in log, name
    return log


def test_every_process_started_while_kafka_is_away_waits_then_works(
    broker: LocalKafka, kafka: KafkaSettings, tmp_path: Path
) -> None:
    down = time.monotonic()
    broker.stop()
    with flow(kafka, tmp_path) as f:
        for name, process in f.processes.items():
            line = process.wait_for_line(UNREACHABLE, within=30)
            assert line.endswith(", retrying"), (name, line)
            assert " WARNING " in line, (name, line)
        # Meanwhile the webhook answers, exactly as docs/channels/webhook.md promises.
        body = partner_sample("maasdal", "01-status-acc.json")
        refused = post_signed(f.client, f.webhook_url, body)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        assert refused.json() == {"error": "not stored, send again"}
        health = f.client.get(f"{f.webhook_url}/health")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        f.put_heuvelland_file()
        time.sleep(8)  # Kafka stays away for a while: every process keeps waiting
        for name, process in f.processes.items():
            assert process.popen.poll() is None, (name, process.lines()[-20:])
            log = process.text()
            # One line, not one per attempt (and once a minute on a slow machine).
            allowed = 1 + int((time.monotonic() - down) // REPORT_EVERY_SECONDS)
            assert 1 <= log.count(UNREACHABLE) <= allowed, (name, log)
            assert "Traceback" not in log, (name, log[-3000:])
            assert len(process.lines()) < 15, (name, process.lines())
        assert (tmp_path / "inbox" / HEUVELLAND_FILE).exists()  # not taken without Kafka

        broker.start()  # late
        for name, process in f.processes.items():
            process.wait_for_line(REACHABLE, within=20)
            process.wait_for_line(READY_LINES[name], within=30)
        # webhook: stored; translate and route: the maintenance system got the status.
        poll(
            lambda: post_signed(f.client, f.webhook_url, body).status_code == 202,
            within=15,
            what="the webhook stores once Kafka is there",
        )
        poll(lambda: f.calls_received() >= 1, within=60, what="onderhoud received the status")
        # ingress: Heuvelland's file taken from the inbox onto its raw topic.
        poll(
            lambda: (tmp_path / "processed" / HEUVELLAND_FILE).exists(),
            within=30,
            what="the inbox file is processed",
        )
        (raw,) = asyncio.run(read_records(kafka, kafka.topics.raw("heuvelland"), 1))
        assert raw.value == partner_sample("heuvelland", HEUVELLAND_FILE)
        # outbound: a work order for Heuvelland lands in its outbox.
        f.produce_workorder()
        poll(
            lambda: (tmp_path / "outbox" / OUTBOX_FILE).exists(),
            within=60,
            what="the work order in Heuvelland's outbox",
        )
        for name, process in f.processes.items():
            assert_clean_exit(process, name)


def test_every_process_logs_an_outage_in_a_few_lines_and_works_again(
    broker: LocalKafka, kafka: KafkaSettings, tmp_path: Path
) -> None:
    outage_seconds = 20.0
    with flow(kafka, tmp_path) as f:
        for name, process in f.processes.items():
            process.wait_for_line(READY_LINES[name], within=60)
        poll(
            lambda: f.client.get(f"{f.webhook_url}/health").status_code == 200, within=10, what="ok"
        )
        # Every consumer has joined its group before the broker goes away.
        body = partner_sample("maasdal", "01-status-acc.json")
        assert post_signed(f.client, f.webhook_url, body).status_code == 202
        poll(lambda: f.calls_received() >= 1, within=60, what="onderhoud received the status")

        lines_at_stop = {name: len(p.lines()) for name, p in f.processes.items()}
        cpu_at_stop = {name: p.cpu_seconds() for name, p in f.processes.items()}
        down = time.monotonic()  # the broker's port closes before stop() returns
        broker.stop()
        # An idle webhook notices too, and says so on /health.
        poll(
            lambda: f.client.get(f"{f.webhook_url}/health").status_code == 503,
            within=15,
            what="/health 503 while Kafka is away",
        )
        time.sleep(max(0.0, outage_seconds - (time.monotonic() - down)))  # the outage
        seconds = time.monotonic() - down
        rates = {
            name: (len(p.lines()) - lines_at_stop[name]) / seconds
            for name, p in f.processes.items()
        }
        cpu = {
            name: (p.cpu_seconds() - cpu_at_stop[name]) / seconds for name, p in f.processes.items()
        }
        print(f"lines per second during a {seconds:.0f} s outage: {rates}")
        print(f"CPU (share of one core) during the outage: {cpu}")

        broker.start()
        ready = time.monotonic()
        for process in f.processes.values():
            process.wait_for_line(REACHABLE, within=20)
        print(f"every process logged the end {time.monotonic() - ready:.1f} s after ready")
        # Once at the start, then once a minute (a busy machine may take long to restart
        # the broker).
        unreachable_lines = 1 + int((time.monotonic() - down) // REPORT_EVERY_SECONDS)
        # And they work again: a second message reaches the maintenance system.
        second = partner_sample("maasdal", "02-afspraak.json")
        poll(
            lambda: post_signed(f.client, f.webhook_url, second).status_code == 202,
            within=15,
            what="stored again",
        )
        poll(lambda: f.calls_received() >= 2, within=60, what="onderhoud received the afspraak")

        for name, process in f.processes.items():
            log = assert_clean_exit(process, name)
            during = "\n".join(process.lines()[lines_at_stop[name] :])
            assert 1 <= log.count(UNREACHABLE) <= unreachable_lines, (name, during)
            assert log.count(REACHABLE) == 1, (name, during)
            assert rates[name] < MAX_LINES_PER_SECOND, (name, rates[name], during[:3000])
            assert cpu[name] < 0.1, (name, cpu[name])
