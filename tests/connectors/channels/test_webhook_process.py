"""The real ``ketenbus webhook`` process under idle and slow clients (issues R6, R7).

Each test starts the process as production does (config file, secret from the
environment, its own file-descriptor limit set with ``resource``), attacks it over
loopback, and checks what a partner gets, what the process holds and what it logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import resource
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from connectors.channels.webhook import sign
from contracts.kafka import KafkaSettings
from tests.conftest import REPO_ROOT
from tests.connectors.channels.conftest import SIGNATURE_HEADER, closed_port, read_all
from tests.kafka_helpers import eventually

pytestmark = pytest.mark.kafka

SECRET = "process-test-secret"
URL = "/partners/maasdal/messages"
KETENBUS = Path(sys.executable).with_name("ketenbus")


@dataclass
class WebhookProcess:
    process: asyncio.subprocess.Process
    base_url: str
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text("utf-8", errors="replace")

    def rss_bytes(self) -> int:
        """The process's resident set size now (Linux /proc)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.MULTILINE)
        assert found is not None
        return int(found.group(1)) * 1024


StartWebhook = Callable[..., "contextlib.AbstractAsyncContextManager[WebhookProcess]"]


@pytest.fixture
def start_webhook(kafka: KafkaSettings, tmp_path: Path) -> StartWebhook:
    @contextlib.asynccontextmanager
    async def start(
        *, descriptors: int, listening: bool = True, **webhook: object
    ) -> AsyncIterator[WebhookProcess]:
        port = closed_port()
        settings = "\n".join(f"{name} = {value}" for name, value in webhook.items())
        config = tmp_path / "ketenbus.toml"
        config.write_text(
            f'[kafka]\nbootstrap_servers = "{kafka.bootstrap_servers}"\n'
            f'topic_prefix = "{kafka.topic_prefix}"\n\n'
            f"[webhook]\nport = {port}\n{settings}\n\n[partners.maasdal]\n"
        )
        log_file = tmp_path / "webhook.log"

        def limit_descriptors() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))

        with log_file.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                str(KETENBUS),
                "--config",
                str(config),
                "webhook",
                cwd=REPO_ROOT,
                stdout=log,
                stderr=log,
                env={**os.environ, "KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": f'["{SECRET}"]'},
                preexec_fn=limit_descriptors,
            )
        running = WebhookProcess(process, f"http://127.0.0.1:{port}", log_file)
        if not listening:  # the caller expects it to refuse to start
            async with asyncio.timeout(30):
                await process.wait()
            yield running
            return
        try:
            await eventually(
                lambda: "webhook listening on" in running.log() or process.returncode is not None,
                within=30,
                what="the webhook process listens",
            )
            assert process.returncode is None, running.log()
            yield running
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(20):
                await process.wait()

    return start


def signed_request(body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(body, SECRET, int(time.time())),
    }


async def test_idle_half_headers_neither_starve_partners_nor_flood_the_log(
    start_webhook: StartWebhook, kafka: KafkaSettings
) -> None:
    """2,000 connections that send half a request head and wait, against a process that
    may open 1,024 descriptors (before: EMFILE, partners timed out, a traceback per
    failed accept). Now: the partner gets its 202 at once, the idle connections are
    closed after the header timeout, and the log counts them in a few lines."""
    attackers, max_connections, header_timeout = 2000, 300, 4.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < attackers + 200:
        assert hard >= attackers + 200, f"this test needs {attackers + 200} descriptors"
        resource.setrlimit(resource.RLIMIT_NOFILE, (attackers + 200, hard))
    body = orjson.dumps({"berichtId": "MD-1", "opdrachtnummer": "WO-2026-0042"})

    async with start_webhook(
        descriptors=1024,
        max_connections=max_connections,
        header_timeout_seconds=header_timeout,
    ) as webhook:
        host, port = "127.0.0.1", int(webhook.base_url.rsplit(":", 1)[1])
        opening = asyncio.Semaphore(100)

        async def idle() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            async with opening:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(f"POST {URL} HTTP/1.1\r\nHost: {host}\r\nContent-Ty".encode())
                await writer.drain()
                return reader, writer

        connections = await asyncio.gather(*(idle() for _ in range(attackers)))
        opened = time.monotonic()
        try:
            async with httpx.AsyncClient(base_url=webhook.base_url, timeout=10) as partner:
                started = time.monotonic()
                response = await partner.post(URL, content=body, headers=signed_request(body))
                answered = time.monotonic() - started

            def closed() -> int:
                return sum(1 for r, _ in connections if r.at_eof() or r.exception() is not None)

            still_open = attackers - closed()
            await eventually(
                lambda: closed() == attackers,
                within=header_timeout + 5,
                what="every idle connection closed",
            )
            all_closed = time.monotonic() - opened
        finally:
            for _, writer in connections:
                writer.close()

    assert response.status_code == 202
    assert answered < 2.0, f"the partner waited {answered:.1f} s"
    # Right after the attack, the newest connections (up to the limit) were still
    # held; they went only when their header timeout ran out.
    assert max_connections - 50 <= still_open <= max_connections
    assert all_closed >= header_timeout - 1.0
    log = webhook.log()
    assert "Traceback" not in log
    counts = [
        (int(timeout), int(evicted), int(refused), int(failed))
        for timeout, evicted, refused, failed in re.findall(
            r"webhook connections: header_timeout=(\d+) evicted_idle=(\d+) refused_busy=(\d+) "
            r"accept_failed=(\d+)",
            log,
        )
    ]
    assert 1 <= len(counts) <= 5, log
    assert sum(t + e for t, e, _, _ in counts) == attackers
    assert sum(r + f for _, _, r, f in counts) == 0
    assert len(log.splitlines()) < 20, log
    [record] = await read_all(kafka, kafka.topics.raw("maasdal"))
    assert record.value == body


async def test_memory_under_slow_one_megabyte_bodies_stays_bounded(
    start_webhook: StartWebhook, kafka: KafkaSettings
) -> None:
    """300 connections each sending a signed 1 MB body slowly (before: RSS from 98 to
    401 MB, still 348 MB afterwards). Bodies in flight share a budget; the rest are
    told 503 before their body is read, and the memory is given back afterwards."""
    clients, size, budget = 300, 1_000_000, 32 * 1024 * 1024
    piece, pause = 65_536, 0.1  # about 1.6 s per body
    async with start_webhook(descriptors=4096, body_bytes_in_flight=budget) as webhook:
        host, port = "127.0.0.1", int(webhook.base_url.rsplit(":", 1)[1])
        baseline = webhook.rss_bytes()
        peak = baseline
        statuses: list[int] = []

        async def slow(i: int) -> None:
            pad = b"x" * (size - 60)
            body = b'{"opdrachtnummer": "WO-%04d", "pad": "%s"}' % (i, pad)
            body = body[: size - 2] + b'"}'
            head = (
                f"POST {URL} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"{SIGNATURE_HEADER}: {sign(body, SECRET, int(time.time()))}\r\n\r\n"
            ).encode()
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(head)
                answer = asyncio.create_task(reader.readline())
                for start in range(0, len(body), piece):
                    if answer.done():
                        break  # answered before the body was read (503)
                    writer.write(body[start : start + piece])
                    await writer.drain()
                    await asyncio.sleep(pause)
                statuses.append(int((await answer).split()[1]))
            finally:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, webhook.rss_bytes())
                await asyncio.sleep(0.05)

        sampler = asyncio.create_task(sample())
        try:
            await asyncio.gather(*(slow(i) for i in range(clients)))
        finally:
            sampler.cancel()
        after = webhook.rss_bytes()

    mib = 1024 * 1024
    print(  # the figures for docs/channels/webhook.md (pytest -s shows them)
        f"\nRSS baseline {baseline / mib:.0f} MiB, peak {peak / mib:.0f} MiB, "
        f"after {after / mib:.0f} MiB; answers {sorted(set(statuses))}: "
        f"{statuses.count(202)} stored, {statuses.count(503)} busy"
    )
    assert set(statuses) <= {202, 503}
    assert len(statuses) == clients
    assert statuses.count(202) >= budget // size
    assert peak - baseline < 3 * budget, f"peak {peak / mib:.0f} MiB over {baseline / mib:.0f}"
    assert after - baseline < 40 * mib, f"{after / mib:.0f} MiB kept after {baseline / mib:.0f}"
    records = await read_all(kafka, kafka.topics.raw("maasdal"))
    assert len(records) == statuses.count(202)


async def test_a_connection_limit_the_descriptors_cannot_hold_stops_the_start_clearly(
    start_webhook: StartWebhook,
) -> None:
    """256 descriptors cannot hold the default 1,000 connections: one line naming the
    setting, no traceback, exit code 1 (not a process that fails at the first attack)."""
    async with start_webhook(descriptors=256, listening=False) as webhook:
        pass

    assert webhook.process.returncode == 1
    log = webhook.log()
    assert "Traceback" not in log
    assert "webhook: max_connections=1000 needs 1576 file descriptors" in log
    assert "raise the limit (ulimit -n) to 1576" in log
