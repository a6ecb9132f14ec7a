"""New work orders to Heuvelland as XML files in its outbox folder (heuvelland.md).

One file per order, ``WL_<opdrachtnummer>.xml`` (the order number as it is, so
``WL_WL-2026-004801.xml``), UTF-8, in Heuvelland's namespace. It is written whole as
``<name>.part``, flushed to disk, then renamed (atomic on one file system), so
Heuvelland never picks up half a file. The XML is built with ElementTree, which
escapes ``&``, ``<``, ``>`` and quotes in text and attributes; a character XML 1.0
cannot carry at all (a control character) is refused as :class:`Unencodable` before
anything is written, naming the field.

Handing the same order over again (a redelivery after a crash) writes the same name
with the same content: an order Heuvelland has not picked up yet is replaced by
itself; one it has picked up arrives again, as a duplicate its ERP recognises by the
order number.
"""

from __future__ import annotations

import asyncio
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from connectors.heuvelland.settings import HeuvellandSettings
from connectors.outbound.channel import Unencodable
from contracts import AMSTERDAM, CanonicalEvent, OrderAssigned
from kit.delivery.errors import DestinationUnavailable
from kit.delivery.retry import RetryPolicy

PARTNER = "heuvelland"
NAMESPACE = "urn:heuvelland:onderhoud:1.2"
_HB = f"{{{NAMESPACE}}}"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("hb", NAMESPACE)


def file_name(order_number: str) -> str:
    return f"WL_{order_number}.xml"


def encode(fact: OrderAssigned) -> bytes:
    """The order as Heuvelland's ``hb:Opdracht`` XML document, UTF-8."""

    def checked(field: str, value: str) -> str:
        if _NOT_XML.search(value):
            raise Unencodable(f"{field}: holds a character XML cannot carry")
        return value

    def attributes(**values: str | None) -> dict[str, str]:
        return {name: checked(name, value) for name, value in values.items() if value is not None}

    root = ET.Element(
        f"{_HB}Opdracht",
        attributes(
            nummer=fact.order_number,
            soort=fact.kind,
            # Heuvelland's times have no offset: Dutch local time.
            uitersteGereed=fact.deadline.astimezone(AMSTERDAM).strftime("%Y-%m-%dT%H:%M:%S"),
            vhe=fact.unit_code,
        ),
    )
    ET.SubElement(root, f"{_HB}Omschrijving").text = checked("omschrijving", fact.description)
    address = fact.address
    ET.SubElement(
        root,
        f"{_HB}Adres",
        attributes(
            postcode=address.postcode,
            huisnummer=address.house_number,
            toevoeging=address.addition,
            plaats=address.city,
        ),
    )
    if fact.contact is not None:
        ET.SubElement(
            root,
            f"{_HB}Contact",
            attributes(naam=fact.contact.name, telefoon=fact.contact.phone),
        )
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


class HeuvellandOutbound:
    partner_id = PARTNER

    def __init__(self, outbox_dir: Path, *, retry: RetryPolicy = RetryPolicy()) -> None:  # noqa: B008
        self.outbox_dir = outbox_dir
        self.retry = retry

    async def aclose(self) -> None:
        return None

    async def deliver(self, event: CanonicalEvent) -> str:
        assert isinstance(event.data, OrderAssigned)
        document = encode(event.data)
        name = file_name(event.data.order_number)
        try:
            await asyncio.to_thread(_write_atomically, self.outbox_dir, name, document)
        except OSError as exc:
            # A full disk, a missing mount, permissions: passing, retried; when the
            # budget is spent the fact waits in the dead letters for ops.
            raise DestinationUnavailable(
                f"outbox not writable ({type(exc).__name__}, errno {exc.errno})", status=503
            ) from exc
        return f"written {name}"


def _write_atomically(folder: Path, name: str, document: bytes) -> None:
    part = folder / f"{name}.part"
    with open(part, "wb") as handle:
        handle.write(document)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, folder / name)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def build_outbound(settings: HeuvellandSettings) -> HeuvellandOutbound | None:
    """Heuvelland's outbound channel, when ``[partners.heuvelland]`` names an ``outbox_dir``."""
    if settings.outbox_dir is None:
        return None
    return HeuvellandOutbound(settings.outbox_dir, retry=settings.outbound_retry)
