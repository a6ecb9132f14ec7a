"""The webhook recovers by itself from a broker restart, and its /health tells the truth.

R1: after ``ketenbus-dev kafka stop``, 15 s down, ``ketenbus-dev kafka start``, the webhook's
idempotent producer refused every record with ``OutOfOrderSequenceNumber`` (records
were in flight when the broker stopped) for as long as the process lived, while
``/health`` answered 200. A real ``ketenbus webhook`` process, partners sending all the
while, the real broker stopped and started.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from contracts.kafka import KafkaSettings
from devkit.local_kafka import LocalKafka
from kit.kafka.outage import REPORT_EVERY_SECONDS
from tests.kafka_helpers import read_records
from tests.processes.helpers import ketenbus, poll, post_signed, webhook_port, write_config

pytestmark = pytest.mark.kafka

OUTAGE_SECONDS = 15.0
RECOVERY_BOUND_SECONDS = 10.0
"""202s again within this long after the broker is ready (measured: about 1 s)."""
MAX_LINES_PER_SECOND = 2.0


@dataclass
class Partners:
    """Four partners' connections sending numbered messages until stopped; a 503 makes
    a sender pause 0.2 s (a partner backs off; it does not hammer)."""

    base_url: str
    answers: list[tuple[bytes, int]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._send, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        return threads

    def _send(self, sender: int) -> None:
        with httpx.Client(timeout=15) as client:
            number = 0
            while not self.stopping.is_set():
                number += 1
                body = b'{"opdrachtnummer": "WO-%d-%d"}' % (sender, number)
                status = post_signed(client, self.base_url, body).status_code
                self.answers.append((body, status))
                if status != 202:
                    time.sleep(0.2)

    def stored(self) -> list[bytes]:
        return [body for body, status in self.answers if status == 202]


def test_the_webhook_writes_again_by_itself_after_a_broker_restart(
    broker: LocalKafka, kafka: KafkaSettings, tmp_path: Path
) -> None:
    config = write_config(tmp_path, kafka)
    base_url = f"http://127.0.0.1:{webhook_port(config)}"
    partners = Partners(base_url)
    with ketenbus("webhook", config, tmp_path) as webhook, httpx.Client(timeout=15) as client:
        webhook.wait_for_line("webhook storing on Kafka")
        assert client.get(f"{base_url}/health").json() == {"status": "ok"}
        threads = partners.start()
        try:
            poll(lambda: len(partners.stored()) >= 20, within=20, what="20 messages stored")
            # Records are in flight when the broker goes away.
            down = time.monotonic()  # the broker's port closes before stop() returns
            broker.stop()
            lines_at_stop = len(webhook.lines())

            poll(
                lambda: client.get(f"{base_url}/health").status_code == 503,
                within=10,
                what="/health says 503 while Kafka is away",
            )
            health = client.get(f"{base_url}/health")
            assert health.json()["status"] == "unavailable"
            assert health.json()["reason"].startswith("Kafka unreachable since ")
            assert health.headers["Retry-After"] == "5"

            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down)))  # the outage
            outage_lines = [
                line for line in webhook.lines()[lines_at_stop:] if "outcome=" not in line
            ]
            rate = len(outage_lines) / (time.monotonic() - down)
            stored_before = len(partners.stored())

            broker.start()
            ready = time.monotonic()
            recovered = poll(
                lambda: len(partners.stored()) > stored_before,
                within=RECOVERY_BOUND_SECONDS,
                what="a 202 after the broker is back",
                every=0.05,
            )
            print(f"webhook writes again {recovered:.2f} s after the broker was ready")
            poll(lambda: len(partners.stored()) >= stored_before + 20, within=10, what="20 more")
            assert client.get(f"{base_url}/health").json() == {"status": "ok"}
        finally:
            partners.stopping.set()
            for thread in threads:
                thread.join()
        assert webhook.stop() == 0

    # Per-request outcome lines aside, the outage is a handful of lines, not thousands.
    assert rate < MAX_LINES_PER_SECOND, (rate, outage_lines[:20])
    log = webhook.text()
    # Once at the start, then once a minute (the broker may take long to start again).
    assert (
        1
        <= log.count("Kafka unreachable at 127.0.0.1:")
        <= 1 + int((time.monotonic() - down) // REPORT_EVERY_SECONDS)
    )
    assert log.count("Kafka reachable again at 127.0.0.1:") == 1
    assert "Traceback" not in log
    after_restart = log[log.index("Kafka reachable again") :]
    assert "OutOfOrderSequenceNumber" not in after_restart
    # Nothing answered 202 is lost: every one of them is on the raw topic.
    stored = partners.stored()
    records = asyncio.run(read_records(kafka, kafka.topics.raw("maasdal"), len(stored)))
    assert set(stored) <= {record.value for record in records}
    print(f"{len(stored)} stored, {len(partners.answers) - len(stored)} answered 503")
    assert ready - down >= OUTAGE_SECONDS
