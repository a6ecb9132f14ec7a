"""What only a real ``ketenbus`` process shows: its exit code when every destination has
stopped, every line it writes at ``--log-level debug``, and its first start on topics
that do not exist yet."""

from __future__ import annotations

import asyncio
import socket
import time

from connectors.channels.raw_writer import RawWriter
from contracts import KafkaSettings, OrderAccepted
from contracts.kafka import RAW_TOPIC_CONFIG
from devkit.local_kafka import LocalKafka
from devkit.reference_backoffice import BackOfficeServer
from kit.kafka.topics import ensure_topics
from tests.integration.processes import KetenbusProcess, write_config
from tests.kafka_helpers import read_records
from tests.router.kit import API_KEYS, PSEUDONYM_KEY, at, publish, publish_raw, wrap
from tests.router.samples import ORDER, invoice
from tests.samples import partner_sample, raw

SECRET = "test-secret-maasdal"


def vera(backoffice: BackOfficeServer, system: str, **settings: object) -> dict[str, object]:
    return {
        "base_url": backoffice.url_for(system),
        "api_key": API_KEYS[system],
        "timeout_seconds": 5,
        "retry": {"max_attempts": 3, "first_wait": 0.05, "max_wait": 0.2},
    } | settings


async def test_route_exits_non_zero_when_every_destination_stopped_on_its_credentials(
    kafka: KafkaSettings, backoffice: BackOfficeServer, tmp_path
) -> None:
    await publish(
        kafka,
        wrap(OrderAccepted(order_number=ORDER, occurred_at=at(0)), "ACC-1"),
        wrap(invoice(), "INV-1"),
    )
    config = write_config(tmp_path / "ketenbus.toml", kafka, {
        "onderhoud": vera(backoffice, "onderhoud", api_key="an-old-key"),
        "financien": vera(backoffice, "financien", api_key="an-old-key"),
    })  # fmt: skip
    async with KetenbusProcess(config, tmp_path / "route.log") as route:
        code = await route.exit_code(within=60)

    assert code == 1
    assert sorted((c.system, c.status) for c in backoffice.state.calls()) == [
        ("financien", 401), ("onderhoud", 401),
    ]  # fmt: skip
    lines = route.lines()
    assert not any("Traceback" in line for line in lines)
    assert lines[-1] == (
        "ketenbus route stopped: every destination has stopped: "
        "financien (refuses ketenbus's credentials: POST /inkoopfacturen answered 401), "
        "onderhoud (refuses ketenbus's credentials: PATCH /onderhoudsorders/WL-2026-004711 "
        "answered 401)"
    )


async def test_no_personal_data_in_any_line_at_log_level_debug(
    kafka: KafkaSettings, backoffice: BackOfficeServer, tmp_path
) -> None:
    # The appointment's raw message names the tenant and her phone number; the
    # canonical fact carries them on to the router (onderhoud may see personal data).
    sample = partner_sample("maasdal", "02-afspraak.json")
    name, phone = "Crombach", "06-12345678"
    assert name.encode() in sample
    assert phone.encode() in sample
    stray = f"huurder {name} {phone}".encode()
    await ensure_topics(kafka, [kafka.topics.raw("maasdal")], RAW_TOPIC_CONFIG)
    config = write_config(
        tmp_path / "ketenbus.toml",
        kafka,
        {"onderhoud": vera(backoffice, "onderhoud")},
        partners={"maasdal": {"webhook_secrets": [SECRET]}},
    )
    async with (
        KetenbusProcess(config, tmp_path / "translate.log", command="translate",
                        log_level="debug") as translate,
        KetenbusProcess(config, tmp_path / "route.log", log_level="debug") as route,
        RawWriter(kafka) as writer,
    ):  # fmt: skip
        await writer.write(raw("maasdal", sample))
        (received,) = await backoffice.wait_for_received(1, system="onderhoud", timeout=60)
        # Something not ketenbus's on the orders topic, a name at its start: the
        # router parks it (without its bytes) and must not log them on the way.
        await publish_raw(kafka, kafka.topics.orders, ORDER.encode(), stray, [])
        await read_records(kafka, kafka.topics.deadletter("onderhoud"), 1, within=60)
        assert await route.stop() == 0
        assert await translate.stop() == 0

    assert received.path == f"/onderhoudsorders/{ORDER}"
    for process in (translate, route):
        lines = process.lines()
        assert any(" DEBUG " in line for line in lines), "not at debug level"
        assert [line for line in lines if name in line or phone in line] == []


def every_destination(backoffice: BackOfficeServer) -> dict[str, object]:
    return {
        "onderhoud": vera(backoffice, "onderhoud"),
        "financien": vera(backoffice, "financien"),
        "relaties": vera(backoffice, "relaties"),
        "dwh": {"pseudonym_key": PSEUDONYM_KEY},
    }


async def started_cleanly(
    kafka: KafkaSettings, backoffice: BackOfficeServer, tmp_path
) -> list[str]:
    """Run ``ketenbus route`` with every destination until each of its consumer groups
    has its first assignment, stop it; every line it wrote."""
    config = write_config(tmp_path / "ketenbus.toml", kafka, every_destination(backoffice))
    groups = {f"{kafka.topic_prefix}ketenbus-router-{d}" for d in every_destination(backoffice)}
    async with KetenbusProcess(config, tmp_path / "route.log") as route:
        synced: set[str] = set()
        deadline = time.monotonic() + 60
        while synced != groups and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # the process's output is the event: read it again
            synced = {group for group in groups for line in route.lines()
                      if f"Successfully synced group {group} with" in line}  # fmt: skip
        assert synced == groups
        assert await route.stop() == 0
    return route.lines()


def complaints(lines: list[str]) -> list[str]:
    return [line for line in lines if any(f" {level} " in line
            for level in ("WARNING", "ERROR", "CRITICAL"))]  # fmt: skip


async def test_a_first_route_on_topics_it_creates_itself_logs_no_error(
    kafka: KafkaSettings, backoffice: BackOfficeServer, tmp_path
) -> None:
    # The test's own topic prefix: none of the router's topics exist yet.
    assert complaints(await started_cleanly(kafka, backoffice, tmp_path)) == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_first_route_on_a_new_cluster_logs_no_error(
    backoffice: BackOfficeServer, tmp_path
) -> None:
    # A cluster that has never had a consumer group nor a transaction: the broker
    # creates __consumer_offsets and __transaction_state on the first requests.
    broker = LocalKafka(
        port=free_port(), controller_port=free_port(), state_dir=tmp_path / "kafka", heap="384m"
    )
    await asyncio.to_thread(broker.start)
    try:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        assert complaints(await started_cleanly(kafka, backoffice, tmp_path)) == []
    finally:
        await asyncio.to_thread(broker.stop)
