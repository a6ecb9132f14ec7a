"""What only a real ``ketenbus`` process shows: its exit code when every destination has
stopped, every line it writes at ``--log-level debug``, and its first start on topics
that do not exist yet."""

from __future__ import annotations

from connectors.channels.raw_writer import RawWriter
from contracts import KafkaSettings, OrderAccepted, ensure_topics
from contracts.kafka import RAW_TOPIC_CONFIG
from ketenbus.reference_backoffice import BackOfficeServer
from tests.integration.processes import KetenbusProcess, write_config
from tests.kafka_helpers import read_records
from tests.router.kit import API_KEYS, at, publish, publish_raw, wrap
from tests.router.samples import ORDER, invoice
from tests.samples import raw, shared_sample

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
    sample = shared_sample("maasdal", "02-afspraak.json")
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
