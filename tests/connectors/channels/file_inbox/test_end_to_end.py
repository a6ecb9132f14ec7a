"""Heuvelland's and Gulpdal's files, end to end on the real broker: dropped into their
inboxes, taken by ``ketenbus ingress``, translated, delivered to the VERA reference back
office. Checks what the maintenance system received, call by call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.channels import RawWriter
from connectors.channels.file_inbox import FileInbox, FileInboxSettings
from connectors.heuvelland import INBOX as HEUVELLAND
from contracts import CanonicalEvent, DeadLetterHeader, KafkaSettings, context_of, event_id
from devkit.reference_backoffice import BackOfficeServer
from ketenbus import services
from ketenbus.config import KetenbusSettings
from kit.delivery.retry import RetryPolicy
from tests.connectors.channels.file_inbox.test_inbox import Crash, CrashingFolder
from tests.kafka_helpers import eventually, read_records
from tests.samples import partner_sample, samples_dir

API_KEY = "test-key-onderhoud"
FAST_RETRIES = RetryPolicy(max_attempts=4, first_wait=0.05, max_wait=0.2, max_elapsed=20)
FIRST = "HVL_20261126073000_0001.xml"
SECOND = "HVL_20261127160500_0002.xml"
GULPDAL = "gulpdal_werkbonnen_20261126.csv"


@dataclass
class Files:
    settings: KetenbusSettings
    root: Path
    worker: Any = None

    def inbox(self, partner: str) -> Path:
        return self.root / partner / "inbox"

    def drop(self, partner: str, name: str, body: bytes | None = None) -> None:
        """Upload the way the partners do: as .part, then renamed."""
        body = partner_sample(partner, name) if body is None else body
        part = self.inbox(partner) / f"{name}.part"
        part.write_bytes(body)
        part.rename(self.inbox(partner) / name)

    def processed(self, partner: str, name: str) -> bool:
        return (self.root / partner / "processed" / name).exists()

    def handled(self) -> int:
        return handled(self.worker)


def handled(worker: Any) -> int:
    """Canonical facts the delivery worker is done with, whatever the outcome."""
    outcomes = ("delivered", "skipped", "withheld", "dead_lettered")
    return sum(worker.stats.outcomes[outcome] for outcome in outcomes)


@pytest.fixture
async def backoffice(vera_specs) -> AsyncIterator[BackOfficeServer]:
    async with BackOfficeServer(vera_specs, {"onderhoud": API_KEY}) as server:
        yield server


@pytest.fixture
def files(kafka: KafkaSettings, backoffice: BackOfficeServer, tmp_path: Path) -> Files:
    for partner in ("heuvelland", "gulpdal"):
        (tmp_path / partner / "inbox").mkdir(parents=True)
    inbox = {"poll_seconds": 0.05, "settle_seconds": 0}
    settings = KetenbusSettings(
        kafka=kafka,
        partners={
            "heuvelland": {"inbox": {"path": str(tmp_path / "heuvelland" / "inbox"), **inbox}},
            "gulpdal": {"inbox": {"path": str(tmp_path / "gulpdal" / "inbox"), **inbox}},
        },
        destinations={
            "onderhoud": {
                "base_url": backoffice.url_for("onderhoud"),
                "api_key": API_KEY,
                "timeout_seconds": 2.0,
                "retry": FAST_RETRIES,
            }
        },
    )
    return Files(settings, tmp_path)


@pytest.fixture
async def running(files: Files) -> AsyncIterator[Files]:
    """Ingress, translator and router, as ``ketenbus ingress|translate|route`` run them."""
    stopping = asyncio.Event()
    (files.worker,) = services.delivery_workers(files.settings)
    tasks = [
        asyncio.create_task(services.run_ingress(files.settings, stopping)),
        asyncio.create_task(services.translator(files.settings).run(stopping)),
        asyncio.create_task(files.worker.run(stopping)),
    ]
    yield files
    stopping.set()
    await asyncio.gather(*tasks)


def ref(partner: str, message_id: str) -> str:
    return event_id(partner, message_id, 0)


ORDER_4712 = "/onderhoudsorders/WL-2026-004712"
HEUVELLAND_EXPECTED = {
    ref("heuvelland", "HB-77812"): (ORDER_4712, {"status": {"code": "INB"}}),
    ref("heuvelland", "HB-77813"): (
        ORDER_4712,
        {
            "status": {"code": "PLN"},
            "afspraken": [
                {
                    "status": {"code": "GEP"},
                    "begindatum": "2026-11-27T12:00:00Z",
                    "einddatum": "2026-11-27T14:00:00Z",
                }
            ],
        },
    ),
    ref("heuvelland", "HB-77840"): (
        ORDER_4712,
        {
            "status": {"code": "TEC"},
            "technischGereeddatum": "2026-11-27T13:35:00Z",
            "onderhoudstaken": [
                {
                    "status": {"code": "GER"},
                    "onderhoudsbestedingen": [
                        {
                            "soort": {"code": "WER"},
                            "aantal": Decimal("2.50"),
                            "meeteenheid": {"code": "UUR"},
                        },
                        {
                            "soort": {"code": "MAT"},
                            "omschrijving": "Insteekslot SKG** met cilinder",
                            "aantal": 1,
                            "meeteenheid": {"code": "STU"},
                            "bedrag": Decimal("24.95"),
                        },
                    ],
                }
            ],
            "defecten": [{"oorzaak": {"code": "OUD"}, "bouwkundigElement": {"code": "31.21"}}],
        },
    ),
    # DICO AFW (weather) has no VERA detail status: never VERA's AFW (klant niet aanwezig).
    ref("heuvelland", "HB-77842"): (
        "/onderhoudsorders/WL-2026-004730",
        {"status": {"code": "INB"}, "onderhoudstaken": [{"status": {"code": "OND"}}]},
    ),
}


async def test_heuvellands_shared_files_reach_the_maintenance_system_as_prescribed(
    running: Files, backoffice: BackOfficeServer
) -> None:
    running.drop("heuvelland", FIRST)
    running.drop("heuvelland", SECOND)

    received = await backoffice.wait_for_received(4, system="onderhoud")
    assert {r.referentienummer: (r.path, r.body) for r in received} == HEUVELLAND_EXPECTED
    assert [r.referentienummer for r in received if r.path == ORDER_4712] == [
        ref("heuvelland", m) for m in ("HB-77812", "HB-77813", "HB-77840")
    ]
    # The invoice is a canonical fact too; it goes to finance, never to onderhoud.
    kafka = running.settings.kafka
    records = await read_records(kafka, kafka.topics.orders, 5)
    events = [CanonicalEvent.from_kafka(r.value, tuple(r.headers)) for r in records]
    assert sorted(e.id for e in events) == sorted(
        ref("heuvelland", m) for m in ("HB-77812", "HB-77813", "HB-77840", "HB-77841", "HB-77842")
    )
    invoice = next(e.data for e in events if e.fact_type == "order.invoice-submitted")
    assert invoice.total_incl_vat == Decimal("207.15")
    await eventually(lambda: running.processed("heuvelland", SECOND), what="moved")


async def test_gulpdals_export_reaches_the_maintenance_system_and_a_rerun_adds_only_new_facts(
    running: Files, backoffice: BackOfficeServer
) -> None:
    running.drop("gulpdal", GULPDAL)
    received = await backoffice.wait_for_received(3, system="onderhoud")
    bodies = {(r.path, r.body["status"]["code"]) for r in received}
    assert bodies == {
        ("/onderhoudsorders/WL-2026-004714", "INB"),
        ("/onderhoudsorders/WL-2026-004714", "TEC"),
        ("/onderhoudsorders/WL-2026-004715", "INB"),
    }
    completion = next(r.body for r in received if r.body["status"]["code"] == "TEC")
    assert completion["technischGereeddatum"] == "2026-11-26T09:20:00Z"
    assert completion["onderhoudstaken"][0]["onderhoudsbestedingen"] == [
        {"soort": {"code": "WER"}, "aantal": Decimal("1.5"), "meeteenheid": {"code": "UUR"}},
        {
            "soort": {"code": "MAT"},
            "omschrijving": 'Sifon 40 mm, "universeel"',
            "aantal": 1,
            "meeteenheid": {"code": "STU"},
            "bedrag": Decimal("14.75"),
        },
    ]
    interrupted = next(r.body for r in received if r.path.endswith("004715"))
    assert interrupted["onderhoudstaken"] == [
        {"status": {"code": "OND"}, "detailStatus": {"code": "AFW"}}
    ]
    await eventually(lambda: running.processed("gulpdal", GULPDAL), what="export moved")

    # The export runs again that night: the same name, every row again and one more.
    rerun = partner_sample("gulpdal", GULPDAL) + (
        b"WL-2026-004716;G-7795;STATUS;ACC;;26-11-2026;16:40;;;;;\r\n"
    )
    running.drop("gulpdal", GULPDAL, rerun)
    kafka = running.settings.kafka
    # The re-run's old rows carry their old ids: the translator writes only the new fact.
    await eventually(lambda: running.handled() == 4, what="the four facts handled")
    records = await read_records(kafka, kafka.topics.orders, 4)
    ids = [CanonicalEvent.from_kafka(r.value, tuple(r.headers)).id for r in records]
    assert len(ids) == len(set(ids)) == 4
    received = backoffice.state.received("onderhoud")
    assert len(received) == 4  # nothing happened twice
    assert received[-1].path == "/onderhoudsorders/WL-2026-004716"


async def test_a_reupload_under_a_new_name_gives_no_new_effect(
    running: Files, backoffice: BackOfficeServer
) -> None:
    running.drop("heuvelland", FIRST)
    await backoffice.wait_for_received(2, system="onderhoud")
    await eventually(lambda: running.processed("heuvelland", FIRST), what="first moved")

    running.drop("heuvelland", "HVL_20261126090000_0003.xml", partner_sample("heuvelland", FIRST))
    await eventually(
        lambda: running.processed("heuvelland", "HVL_20261126090000_0003.xml"), what="moved"
    )
    kafka = running.settings.kafka
    assert len(await read_records(kafka, kafka.topics.raw("heuvelland"), 1)) == 1
    assert len(backoffice.state.calls("onderhoud")) == 2
    assert len(backoffice.state.received("onderhoud")) == 2


async def test_one_bad_bericht_is_parked_with_its_id_and_the_rest_is_delivered(
    running: Files, backoffice: BackOfficeServer
) -> None:
    broken = partner_sample("heuvelland", SECOND).replace(b'inclBtw="207.15"', b'inclBtw="207.16"')
    running.drop("heuvelland", SECOND, broken)

    kafka = running.settings.kafka
    (parked,) = await read_records(kafka, kafka.topics.deadletter("translate"), 1)
    assert parked.value == broken  # the whole original, for a replay after a fix
    context = context_of(tuple(parked.headers))
    assert context[DeadLetterHeader.EXCEPTION] == "InvoiceDoesNotAddUp"
    assert context[DeadLetterHeader.MESSAGE_ID] == "HB-77841"
    assert context[DeadLetterHeader.PARTNER] == "heuvelland"
    assert context[DeadLetterHeader.MESSAGE].endswith(
        "total incl. btw is 207.16, computed 207.15 (difference 0.01)"
    )
    assert dict(parked.headers)["kb_origin"] == SECOND.encode()
    received = await backoffice.wait_for_received(2, system="onderhoud")
    assert {r.referentienummer for r in received} == {
        ref("heuvelland", "HB-77840"),
        ref("heuvelland", "HB-77842"),
    }


async def test_a_crash_between_storing_and_moving_gives_every_effect_once(
    files: Files, backoffice: BackOfficeServer
) -> None:
    files.drop("heuvelland", SECOND)
    inbox = FileInbox(
        HEUVELLAND,
        FileInboxSettings(path=str(files.inbox("heuvelland"))),
        RawWriter(files.settings.kafka),
    )
    with pytest.raises(Crash):  # stored on Kafka, then the process dies
        await inbox.scan(CrashingFolder("write_text", r"\.sha256/"))
    await inbox._store.stop()  # type: ignore[attr-defined]

    stopping = asyncio.Event()  # the restart
    (worker,) = services.delivery_workers(files.settings)
    tasks = [
        asyncio.create_task(services.run_ingress(files.settings, stopping)),
        asyncio.create_task(services.translator(files.settings).run(stopping)),
        asyncio.create_task(worker.run(stopping)),
    ]
    try:
        await eventually(lambda: files.processed("heuvelland", SECOND), what="moved after restart")
        kafka = files.settings.kafka
        # Stored twice (before and after the crash), translated once.
        await eventually(lambda: handled(worker) == 3, what="three facts handled")
        records = await read_records(kafka, kafka.topics.orders, 3)
        ids = [CanonicalEvent.from_kafka(r.value, tuple(r.headers)).id for r in records]
        assert sorted(ids) == sorted(
            ref("heuvelland", m) for m in ("HB-77840", "HB-77841", "HB-77842")
        )
    finally:
        stopping.set()
        await asyncio.gather(*tasks)
    received = backoffice.state.received("onderhoud")
    assert sorted(r.referentienummer for r in received) == sorted(
        ref("heuvelland", m) for m in ("HB-77840", "HB-77842")
    )


def test_every_file_sample_is_readable_by_its_adapter() -> None:
    """The file samples under connectors/<partner>/samples are readable by their adapters."""
    from connectors.gulpdal import translate as gulpdal
    from connectors.heuvelland import translate as heuvelland
    from tests.samples import raw

    for partner, translate in (("heuvelland", heuvelland), ("gulpdal", gulpdal)):
        samples = sorted(samples_dir(partner).iterdir())
        assert len(samples) >= 2, partner
        for sample in samples:
            result = translate(raw(partner, sample.read_bytes(), "file"))
            assert result.events, sample.name
            assert result.failures == (), sample.name
