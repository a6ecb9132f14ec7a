"""Each process needs only the settings it uses (K): the real ``ketenbus`` processes on
one configuration file with every partner and destination in it, each given only the
secrets of its own job, against the real local Kafka.

A process has started when it created its Kafka topics (and, for the webhook, answers
on its port); it then stops on SIGTERM with exit code 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from contracts import KafkaSettings
from tests.config.conftest import KETENBUS, clean_environment, run_process

PSEUDONYM_KEY = "a-random-secret-of-32-characters!!"

# process -> (the secrets its job needs, the topics it creates when it starts)
STARTS = {
    "webhook": (
        {"KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": '["s3cret-webhook"]'},
        ["keten.raw.maasdal"],
    ),
    "ingress": (
        {"KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET": "s3cret-client"},
        ["keten.raw.heuvelland", "keten.raw.roerdal"],
    ),
    "translate": ({}, ["keten.deadletter.translate"]),
    "route": (
        {
            "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": "s3cret-key",
            "KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY": PSEUDONYM_KEY,
        },
        ["keten.replay.onderhoud", "keten.replay.dwh"],
    ),
    "outbound": ({}, ["keten.workorders.v1", "keten.deadletter.workorders"]),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def everything(kafka: KafkaSettings, tmp_path: Path) -> tuple[Path, int]:
    """A file with every section, no secret in it; a closed port where systems would be."""
    (tmp_path / "inbox").mkdir()
    port = _free_port()
    path = tmp_path / "ketenbus.toml"
    path.write_text(
        f"""
[kafka]
bootstrap_servers = "{kafka.bootstrap_servers}"
topic_prefix = "{kafka.topic_prefix}"

[webhook]
port = {port}

[partners.maasdal]

[partners.heuvelland.inbox]
path = "{tmp_path / "inbox"}"

[partners.roerdal]
api_base_url = "http://127.0.0.1:9/roerdal"
client_id = "corporatie"

[destinations.onderhoud]
base_url = "http://127.0.0.1:9/onderhoud"

[destinations.dwh]
"""
    )
    return path, port


async def _topics(kafka: KafkaSettings) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _answers(port: int) -> bool:
    async with httpx.AsyncClient() as client:
        try:
            await client.get(f"http://127.0.0.1:{port}/")
        except httpx.TransportError:
            return False
    return True


@pytest.mark.parametrize("process", sorted(STARTS))
async def test_a_process_starts_with_only_the_secrets_of_its_job(
    process: str, everything: tuple[Path, int], kafka: KafkaSettings
) -> None:
    path, port = everything
    secrets, created = STARTS[process]
    wanted = {kafka.topic_prefix + topic for topic in created}
    running = await asyncio.create_subprocess_exec(
        str(KETENBUS),
        "--config",
        str(path),
        process,
        env=clean_environment(secrets),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert running.stderr is not None
    stderr = asyncio.create_task(running.stderr.read())
    try:
        async with asyncio.timeout(60):
            while not (wanted <= await _topics(kafka)) or (
                process == "webhook" and not await _answers(port)
            ):
                assert running.returncode is None, (await stderr).decode()[-2000:]
                await asyncio.sleep(0.2)
        running.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await running.wait() == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            running.kill()
        await running.wait()
    assert "configuration error" not in (await stderr).decode()


@pytest.mark.parametrize(
    ("process", "line"),
    [
        ("webhook", "configuration error: partners.maasdal.webhook_secrets is required by "
                    "`ketenbus webhook`; set KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS"),
        ("ingress", "configuration error: partners.roerdal.client_secret is required by "
                    "`ketenbus ingress` when api_base_url is set; "
                    "set KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET"),
        ("route", "configuration error: destinations.onderhoud.api_key is required; "
                  "set it in the file or as KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY"),
    ],
)  # fmt: skip
def test_a_process_without_a_secret_of_its_job_stops_with_one_line(
    process: str, line: str, everything: tuple[Path, int]
) -> None:
    # Every other process's secrets are there: only its own missing one stops it.
    others = {
        name: value
        for other, (secrets, _) in STARTS.items()
        if other != process
        for name, value in secrets.items()
    }
    if process == "route":
        others["KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY"] = PSEUDONYM_KEY
    outcome = run_process(everything[0], process, secrets=others)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [line]


def test_deadletters_needs_only_kafka(everything: tuple[Path, int]) -> None:
    outcome = run_process(everything[0], "deadletters", "list", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout.strip() == "[]"
