"""The messages the benchmark sends: real partner samples, made unique where it matters.

Partners come from ``connectors.registry.partners()``, so adapters that land later
are measured without touching the benchmark. A partner's samples are its own
``connectors/<id>/samples/``; a sample counts when its adapter translates it without
error. A polled page is split into its items, as the poller stores them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import simplejson

from connectors.adapter import InboundAdapter, as_translation
from connectors.errors import TranslationError
from connectors.registry import partners
from contracts import CanonicalEvent, ContractError, RawMessage, event_id

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAASDAL = "maasdal"
_CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml", ".csv": "text/csv"}
RECEIVED_AT = datetime.now(UTC)
"""When the benchmark's Maasdal messages were received: now, so the translator remembers
their event ids as it would a partner's (each message is unique)."""
SAMPLES_RECEIVED_AT = RECEIVED_AT - timedelta(days=30)
"""When the cycled partner samples were received: past the translator's memory
(``remember_days``), because every copy of a sample has the same event ids and would
otherwise be a duplicate that writes nothing. They still pay the look-up, not the
remembering."""


def translate_events(adapter: InboundAdapter, raw: RawMessage) -> list[CanonicalEvent]:
    """The events of one raw message, whichever form the adapter answers in (a list, or
    a Translation whose bad parts must be none for a benchmark sample)."""
    translation = as_translation(adapter(raw))
    if translation.failures:
        raise ValueError("a part of the sample could not be translated")
    return list(translation.events)


@dataclass(frozen=True)
class PartnerSample:
    name: str
    raw: RawMessage
    events: int


def partner_samples(partner_id: str) -> list[PartnerSample]:
    """The partner's samples that its adapter translates, with the channel that works."""
    plugin = partners()[partner_id]
    adapter = plugin.inbound
    # Only the envelope's source names the channel; take the one the partner uses.
    whole = ("webhook", "file") if plugin.webhook is not None else ("file", "webhook")
    folder = PROJECT_ROOT / "connectors" / partner_id / "samples"
    found = []
    for path in sorted(p for p in folder.glob("*") if p.is_file()) if folder.is_dir() else []:
        content_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        body = path.read_bytes()
        sample = _translatable(adapter, partner_id, path.name, body, content_type, whole)
        if sample is not None:
            found.append(sample)
            continue
        # A polled page (Roerdal's {"mutaties": [...]}) is stored one item per raw record.
        for index, item in enumerate(_page_items(body)):
            name = f"{path.name}[{index}]"
            sample = _translatable(adapter, partner_id, name, item, content_type, ("poll",))
            if sample is not None:
                found.append(sample)
    return found


def _page_items(body: bytes) -> list[bytes]:
    """The items of the first list of JSON objects in a JSON page, each as its own body."""
    try:
        document = json.loads(body, parse_float=Decimal)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    for value in document.values():
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            return [simplejson.dumps(item, use_decimal=True).encode() for item in value]
    return []


def _translatable(
    adapter: InboundAdapter,
    partner_id: str,
    name: str,
    body: bytes,
    content_type: str,
    channels: tuple[str, ...],
) -> PartnerSample | None:
    for channel in channels:
        raw = RawMessage(
            partner=partner_id,
            channel=channel,
            body=body,
            received_at=SAMPLES_RECEIVED_AT,
            content_type=content_type,
            origin=name,
        )
        try:
            events = translate_events(adapter, raw)
        except (TranslationError, ContractError, ValueError, TypeError, KeyError):
            continue
        if events:
            return PartnerSample(name, raw, len(events))
    return None


@dataclass(frozen=True)
class MaasdalTemplate:
    """One Maasdal sample whose ``berichtId`` and ``opdrachtnummer`` can be replaced."""

    name: str
    body: bytes
    message_id: str
    order_number: str
    to_onderhoud: bool
    """True when its fact is an order fact (a social signal never reaches the maintenance
    system); whether the router routes it there is seen in the end-to-end warm-up."""

    def render(self, message_id: str, order_number: str) -> bytes:
        # Byte replacement keeps the sample's exact numbers (64.90 stays 64.90).
        return self.body.replace(
            f'"{self.message_id}"'.encode(), json.dumps(message_id).encode()
        ).replace(f'"{self.order_number}"'.encode(), json.dumps(order_number).encode())


def maasdal_templates() -> list[MaasdalTemplate]:
    adapter = partners()[MAASDAL].inbound
    templates = []
    for sample in partner_samples(MAASDAL):
        document = json.loads(sample.raw.body, parse_float=Decimal)
        events = translate_events(adapter, sample.raw)
        templates.append(
            MaasdalTemplate(
                name=sample.name,
                body=sample.raw.body,
                message_id=document["berichtId"],
                order_number=document["opdrachtnummer"],
                to_onderhoud=all(not event.data.restricted for event in events),
            )
        )
    if not templates:
        raise RuntimeError("no Maasdal sample translates: the benchmark needs them")
    return templates


@dataclass(frozen=True)
class MaasdalMessage:
    body: bytes
    message_id: str
    order_number: str

    @property
    def reference(self) -> str:
        """The VERA Referentienummer its (single) fact will carry."""
        return event_id(MAASDAL, self.message_id, 0)


def iter_maasdal_messages(
    count: int, tag: str, *, onderhoud_only: bool = False
) -> Iterator[MaasdalMessage]:
    """``count`` Maasdal messages cycling through the samples, each its own order."""
    templates = [t for t in maasdal_templates() if t.to_onderhoud or not onderhoud_only]
    for index in range(count):
        template = templates[index % len(templates)]
        message_id = f"BENCH-{tag}-{index:08d}"
        # The contract's form, WL-YYYY-NNNNNN: a million orders per "year".
        order_number = f"WL-{2026 + index // 1_000_000:04d}-{index % 1_000_000:06d}"
        yield MaasdalMessage(template.render(message_id, order_number), message_id, order_number)


def maasdal_messages(count: int, tag: str, *, onderhoud_only: bool = False) -> list[MaasdalMessage]:
    return list(iter_maasdal_messages(count, tag, onderhoud_only=onderhoud_only))


def maasdal_raw(message: MaasdalMessage) -> RawMessage:
    """The raw record the webhook would write for ``message``."""
    return RawMessage(
        partner=MAASDAL,
        channel="webhook",
        body=message.body,
        received_at=RECEIVED_AT,
        content_type="application/json",
        origin=message.message_id,
        key=message.order_number.encode(),
    )


def canonical_record_bytes() -> tuple[int, list[tuple[str, int]]]:
    """The mean size (key + value + headers) of Maasdal's canonical records, and each."""
    adapter = partners()[MAASDAL].inbound
    sizes = []
    for sample in partner_samples(MAASDAL):
        for event in translate_events(adapter, sample.raw):
            record = event.to_kafka()
            header_bytes = sum(len(name) + len(value) for name, value in record.headers)
            sizes.append((sample.name, len(record.value) + len(record.key or b"") + header_bytes))
    return round(sum(size for _, size in sizes) / len(sizes)), sizes
