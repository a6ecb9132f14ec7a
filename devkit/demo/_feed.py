"""What the partners and the maintenance system send in the demo, each through its own
channel: a Maasdal webhook, a Heuvelland and a Gulpdal file in their inboxes, new work
orders on ``keten.workorders.v1``. (Roerdal is polled: its pages are the simulator's.)"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from connectors.channels.webhook import sign
from connectors.maasdal import SIGNATURE_HEADER
from contracts.kafka import KafkaSettings
from devkit.demo._stack import ROERDAL_PAGES, Stack
from devkit.local_kafka import PROJECT_ROOT
from kit.kafka import clients
from kit.kafka.topics import ensure_topics

CONNECTORS = PROJECT_ROOT / "connectors"
# One order history per partner: statuses, an appointment, hours and materials; Maasdal's
# includes a social signal, Heuvelland's second file an invoice.
MAASDAL = [
    "01-status-acc.json",
    "02-afspraak.json",
    "03-gereed.json",
    "04-signalering.json",
    "05-status-ond.json",
    "06-status-ver.json",
]
HEUVELLAND = ["HVL_20261126073000_0001.xml", "HVL_20261127160500_0002.xml"]
GULPDAL = ["gulpdal_werkbonnen_20261126.csv"]
WORKORDERS = ["WL-2026-004800.json", "WL-2026-004801.json"]  # to Maasdal, to Heuvelland


@dataclass(frozen=True)
class Sent:
    partner: str
    channel: str
    what: str
    answer: str


def drop_files(stack: Stack) -> list[Sent]:
    """The file partners' uploads: they wait in the inboxes until ingress takes them."""
    sent = _drop_files(stack, "heuvelland", HEUVELLAND, upload_as_part=True)
    return sent + _drop_files(stack, "gulpdal", GULPDAL, upload_as_part=False)


def roerdal_pages() -> Sent:
    """Roerdal sends nothing: ingress polls its simulator, which serves these pages."""
    return Sent("roerdal", "polled API", ", ".join(ROERDAL_PAGES), "served when asked")


def send_webhooks(stack: Stack) -> list[Sent]:
    """Maasdal's order history, each message signed, to the webhook (which must answer)."""
    return _webhook(stack)


def _webhook(stack: Stack) -> list[Sent]:
    url = f"{stack.webhook_url}/partners/maasdal/messages"
    sent = []
    with httpx.Client(timeout=15) as client:
        for name in MAASDAL:
            body = (CONNECTORS / "maasdal" / "samples" / name).read_bytes()
            signature = sign(body, stack.webhook_secret, int(time.time()))
            response = client.post(
                url,
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
            )
            answer = f"{response.status_code} {response.reason_phrase}"
            sent.append(Sent("maasdal", "webhook", f"{name}: {_maasdal_kind(body)}", answer))
    return sent


def _maasdal_kind(body: bytes) -> str:
    document = json.loads(body)
    kind = str(document.get("berichtType", "?"))
    if kind == "STATUS":
        kind += " " + str(document["status"]["code"])
    return f"{kind} {document.get('opdrachtnummer', '')}"


def _drop_files(
    stack: Stack, partner: str, names: list[str], *, upload_as_part: bool
) -> list[Sent]:
    """Put each file in the partner's inbox whole, as its upload would: Heuvelland as
    ``<name>.part`` renamed when complete, Gulpdal's written beside and moved in."""
    inbox = stack.partner_dirs[partner]
    sent = []
    for name in names:
        body = (CONNECTORS / partner / "samples" / name).read_bytes()
        staging = inbox / f"{name}.part" if upload_as_part else inbox.parent / f".{name}"
        staging.write_bytes(body)
        staging.rename(inbox / name)
        sent.append(Sent(partner, "file inbox", name, f"in {_relative(inbox)}"))
    return sent


def produce_workorders(kafka: KafkaSettings) -> list[Sent]:
    """What the maintenance system does with a new order: its VERA JSON onto
    ``keten.workorders.v1`` (docs/outbound.md)."""
    bodies = [(CONNECTORS / "outbound" / "samples" / name).read_bytes() for name in WORKORDERS]
    asyncio.run(_produce(kafka, bodies))
    return [
        Sent("onderhoud", "keten.workorders.v1", name, "written (acks=all)") for name in WORKORDERS
    ]


async def _produce(kafka: KafkaSettings, bodies: list[bytes]) -> None:
    topic = kafka.topics.workorders
    await ensure_topics(kafka, [topic])
    producer = clients.producer(kafka, "demo-workorders")
    await producer.start()
    try:
        for body in bodies:
            await producer.send_and_wait(topic, body)
    finally:
        await producer.stop()


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))
