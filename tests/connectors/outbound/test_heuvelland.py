"""Heuvelland's outbound channel: one XML file per order in a real (temporary) outbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET

from connectors.heuvelland.outbound import (
    NAMESPACE,
    HeuvellandOutbound,
    build_outbound,
    encode,
)
from connectors.heuvelland.settings import HeuvellandSettings
from connectors.outbound import Unencodable
from contracts import TenantContact
from kit.delivery.errors import DestinationUnavailable
from tests.connectors.outbound.conftest import FAST, sample_event

EVENT = sample_event("WL-2026-004801")
HB = f"{{{NAMESPACE}}}"

EXPECTED = """<?xml version="1.0" encoding="UTF-8"?>
<hb:Opdracht xmlns:hb="urn:heuvelland:onderhoud:1.2" nummer="WL-2026-004801" soort="MUT" \
uitersteGereed="2026-07-10T23:59:59" vhe="VHE-20777">
  <hb:Omschrijving>Mutatie: kozijn achtergevel herstellen &amp; deur "voordeur" \
&lt;afstellen&gt;</hb:Omschrijving>
  <hb:Adres postcode="6221 CD" huisnummer="7" toevoeging="bis" plaats="Maastricht" />
  <hb:Contact naam="Fam. Janssen-Öztürk" telefoon="043-3210987" />
</hb:Opdracht>
"""


def test_the_file_is_heuvellands_format_escaped_in_utf8_with_local_time() -> None:
    assert encode(EVENT.data).decode("utf-8") == EXPECTED


def test_it_reads_back_with_a_hardened_parser_to_the_same_values() -> None:
    root = SafeET.fromstring(encode(EVENT.data))
    assert root.tag == f"{HB}Opdracht"
    assert root.find(f"{HB}Omschrijving").text == EVENT.data.description
    assert root.find(f"{HB}Contact").attrib == {
        "naam": "Fam. Janssen-Öztürk",
        "telefoon": "043-3210987",
    }


def test_quotes_and_newlines_in_attributes_survive() -> None:
    tricky = 'Jan "de Bouwer" & <zn>\nachterom'
    fact = EVENT.data.model_copy(update={"contact": TenantContact(name=tricky)})
    root = SafeET.fromstring(encode(fact))
    assert root.find(f"{HB}Contact").attrib == {"naam": tricky}


def test_a_character_xml_cannot_carry_is_refused_naming_the_field() -> None:
    fact = EVENT.data.model_copy(update={"description": "lek\x00kraan"})
    with pytest.raises(Unencodable, match="omschrijving"):
        encode(fact)


async def test_the_order_lands_whole_under_its_name_and_no_part_file_stays(tmp_path: Path):
    channel = HeuvellandOutbound(tmp_path)
    assert await channel.deliver(EVENT) == "written WL_WL-2026-004801.xml"
    assert sorted(os.listdir(tmp_path)) == ["WL_WL-2026-004801.xml"]
    assert (tmp_path / "WL_WL-2026-004801.xml").read_text("utf-8") == EXPECTED
    # Handed over again (a redelivery): the same name, the same content.
    await channel.deliver(EVENT)
    assert sorted(os.listdir(tmp_path)) == ["WL_WL-2026-004801.xml"]


async def test_an_outbox_that_is_not_there_is_a_passing_fault(tmp_path: Path) -> None:
    channel = HeuvellandOutbound(tmp_path / "not-mounted")
    with pytest.raises(DestinationUnavailable, match="FileNotFoundError"):
        await channel.deliver(EVENT)


def test_the_channel_is_built_from_an_outbox_dir(tmp_path: Path) -> None:
    channel = build_outbound(HeuvellandSettings(outbox_dir=tmp_path, outbound_retry=FAST))
    assert channel is not None
    assert (channel.outbox_dir, channel.retry) == (tmp_path, FAST)
    assert build_outbound(HeuvellandSettings()) is None
