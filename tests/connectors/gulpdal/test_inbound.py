"""Golden tests: the shared Gulpdal export becomes exactly the expected facts; bad rows are
reported by file and line; a re-run export adds only its new facts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.errors import InvalidMessage, UnreadableMessage, UnsupportedMessage
from connectors.gulpdal import check, translate
from contracts import (
    DicoDetail,
    HourLine,
    MaterialLine,
    OrderAccepted,
    OrderInterrupted,
    RawMessage,
    TechnicallyCompleted,
    Unit,
)
from router.destinations.onderhoud import to_vera
from tests.samples import partner_sample

NAME = "gulpdal_werkbonnen_20261126.csv"
SAMPLE = partner_sample("gulpdal", NAME)
HEADER = SAMPLE.split(b"\r\n", 1)[0] + b"\r\n"


def export(body: bytes, name: str = NAME):
    translation = translate(
        RawMessage(
            partner="gulpdal",
            channel="file",
            body=body,
            received_at=datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
            content_type="text/csv",
            origin=name,
        )
    )
    return list(translation.events), list(translation.failures)


def test_the_shared_export_becomes_three_facts_with_the_tge_rows_grouped() -> None:
    events, failures = export(SAMPLE)
    assert failures == []
    accepted, completed, interrupted = (event.data for event in events)

    assert accepted == OrderAccepted(
        order_number="WL-2026-004714",
        partner_reference="G-7781",
        occurred_at=datetime(2026, 11, 26, 6, 55, tzinfo=UTC),
    )
    assert completed == TechnicallyCompleted(
        order_number="WL-2026-004714",
        partner_reference="G-7781",
        occurred_at=datetime(2026, 11, 26, 9, 20, tzinfo=UTC),
        completed_at=datetime(2026, 11, 26, 9, 20, tzinfo=UTC),
        note="Afvoer keuken ontstopt; stankafsluiter vervangen",
        hours=(HourLine(mechanic="Ruud Hermans", hours=Decimal("1.5")),),
        materials=(
            MaterialLine(
                description='Sifon 40 mm, "universeel"',
                quantity=Decimal("1"),
                unit=Unit.STU,
                unit_price=Decimal("14.75"),
            ),
        ),
    )
    assert type(completed.materials[0].unit_price) is Decimal
    assert isinstance(interrupted, OrderInterrupted)
    assert interrupted.order_number == "WL-2026-004715"
    assert interrupted.reason is DicoDetail.BNT
    assert interrupted.note == "Niemand thuis.\r\nKaartje in de bus gedaan."
    assert interrupted.occurred_at == datetime(2026, 11, 26, 12, 5, tzinfo=UTC)
    call = to_vera(interrupted)
    assert call is not None
    assert call.body["onderhoudstaken"] == [
        {"status": {"code": "OND"}, "detailStatus": {"code": "AFW"}}
    ]
    assert all(event.source == "/partners/gulpdal/file" for event in events)
    assert len({event.id for event in events}) == 3


def test_the_same_export_saved_again_as_utf8_with_a_bom_gives_the_same_ids() -> None:
    resaved = b"\xef\xbb\xbf" + SAMPLE.decode("cp1252").encode("utf-8")
    assert [e.id for e in export(resaved)[0]] == [e.id for e in export(SAMPLE)[0]]
    # A spreadsheet also writes 1,50 for 1,5 and 7:55 for 07:55: the same facts.
    reformatted = SAMPLE.replace(b";1,5;UUR", b";1,50;UUR").replace(b";07:55;", b";7:55;")
    assert [e.id for e in export(reformatted)[0]] == [e.id for e in export(SAMPLE)[0]]


def test_windows_1252_characters_are_read_as_such() -> None:
    body = SAMPLE.replace(b"Sifon 40 mm", b"Sifon \x80 40 mm \xe9\xe8")  # € é è
    (_, completed, _), _ = export(body)
    assert completed.data.materials[0].description.startswith("Sifon € 40 mm éè")


def test_a_rerun_with_more_rows_adds_only_the_new_facts() -> None:
    first, _ = export(SAMPLE)
    new_rows = (
        b"WL-2026-004716;G-7795;STATUS;ACC;;26-11-2026;16:40;;;;;\r\n"
        b"WL-2026-004715;G-7790;STATUS;ACC;;26-11-2026;17:10;;;;;\r\n"
    )
    lines = SAMPLE.split(b"\r\n")
    # The re-run sorts differently: the new rows come between the old ones.
    rerun = b"\r\n".join([*lines[:2], new_rows.rstrip(b"\r\n"), *lines[2:]])
    second, failures = export(rerun, NAME)

    assert failures == []
    old_ids = {e.id for e in first}
    added = [e for e in second if e.id not in old_ids]
    assert old_ids <= {e.id for e in second}
    assert [(e.data.order_number, e.data.fact_type) for e in added] == [
        ("WL-2026-004716", "order.accepted"),
        ("WL-2026-004715", "order.accepted"),
    ]


def test_a_completion_with_one_more_line_is_a_new_fact() -> None:
    more = SAMPLE.replace(
        b"Ruud Hermans;1,5;UUR;;\r\n",
        b"Ruud Hermans;1,5;UUR;;\r\n"
        b"WL-2026-004714;G-7781;UREN;;;26-11-2026;10:20;Sanne Vos;0,5;UUR;;\r\n",
    )
    (_, before, _), _ = export(SAMPLE)
    (_, after, _), _ = export(more)
    assert after.id != before.id
    assert [h.hours for h in after.data.hours] == [Decimal("1.5"), Decimal("0.5")]


def rows(*lines: bytes) -> bytes:
    return HEADER + b"".join(line + b"\r\n" for line in lines)


ACC = b"WL-2026-004714;G-7781;STATUS;ACC;;26-11-2026;07:55;;;;;"


@pytest.mark.parametrize(
    ("bad", "error", "reason"),
    [
        (
            b"WL-2026-004714;G-7781;STATUS;XYZ;;26-11-2026;07:55;;;;;",
            InvalidMessage,
            "Status: 'XYZ' is not a DICO StatusCode",
        ),
        (
            b"WL-2026-004714;G-7781;STATUS;ACC;;31-02-2026;07:55;;;;;",
            InvalidMessage,
            "Datum: not a valid date",
        ),
        (
            b"WL-2026-004714;G-7781;STATUS;ACC;;2026-11-26;07:55;;;;;",
            InvalidMessage,
            "Datum: not a date dd-mm-yyyy",
        ),
        (
            b"WL-2026-004714;G-7781;STATUS;ACC;;26-11-2026;25:55;;;;;",
            InvalidMessage,
            "Tijd: not a valid time",
        ),
        (b"WL-2026-004714;G-7781;STATUS;OND;XXX;26-11-2026;07:55;;;;;", InvalidMessage, "Reden"),
        (b"WL-2026-004714;G-7781;STATUS;VER;;26-11-2026;07:55;;;;;", UnsupportedMessage, "VER"),
        (b"4714;G-7781;STATUS;ACC;;26-11-2026;07:55;;;;;", InvalidMessage, "Opdrachtnummer"),
        (
            b"WL-2026-004714;G-7781;UREN;;;26-11-2026;07:55;X;1;UUR;;",
            InvalidMessage,
            "no TGE STATUS row",
        ),
        (b"WL-2026-004714;G-7781;KOFFIE;;;26-11-2026;07:55;;;;;", UnsupportedMessage, "Regelsoort"),
        (b"WL-2026-004714;G-7781;STATUS;ACC", InvalidMessage, "4 fields, the header has 12"),
        (
            b'WL-2026-004714;G-7781;STATUS;ACC;;26-11-2026;07:55;;;;;"a"b',
            InvalidMessage,
            "not valid CSV",
        ),
    ],
)
def test_a_bad_row_is_reported_by_file_and_line_and_holds_nothing_back(
    bad: bytes, error: type, reason: str
) -> None:
    events, (failure,) = export(rows(ACC, bad, ACC.replace(b"004714", b"004799")))
    assert type(failure) is error
    assert failure.message_id == f"{NAME}:3"
    assert str(failure).startswith(f"{NAME} line 3: ")
    assert reason in str(failure)
    assert [e.data.order_number for e in events] == ["WL-2026-004714", "WL-2026-004799"]


@pytest.mark.parametrize(
    ("good", "other_script", "reason"),
    [
        ("WL-2026-004714;", "WL-２０２６-004714;", "Opdrachtnummer: not an order number"),
        (";07:55;", ";０7:55;", "Tijd: not a time HH:MM"),
        (";1,5;UUR", ";١,5;UUR", "Aantal: not a number"),
    ],
)
def test_digits_of_another_script_in_a_utf8_export_are_refused(
    good: str, other_script: str, reason: str
) -> None:
    """After a BOM the export is UTF-8, where full-width or Arabic-Indic digits can
    stand; \\d would match them and int() read them. Only 0-9 are digits here."""
    text = SAMPLE.decode("cp1252")
    assert good in text
    events, failures = export(b"\xef\xbb\xbf" + text.replace(good, other_script, 1).encode())
    assert any(reason in str(failure) for failure in failures), failures
    assert len(events) < len(export(SAMPLE)[0])


def test_a_bad_line_of_a_completion_withholds_that_completion_only() -> None:
    body = SAMPLE.replace(b"1,5;UUR", b"1,2,3;UUR")
    events, (failure,) = export(body)
    assert failure.message_id == f"{NAME}:4"
    assert str(failure) == (
        f"{NAME} line 4: Aantal: not a number with a decimal comma (at most 9 digits); "
        "the completion on line 3 is withheld"
    )
    assert [e.data.fact_type for e in events] == ["order.accepted", "order.interrupted"]


def test_an_undecodable_byte_spoils_only_its_own_row() -> None:
    body = SAMPLE.replace(b"Niemand", b"Nie\x81mand")  # 0x81 is no Windows-1252 character
    events, (failure,) = export(body)
    assert failure.message_id == f"{NAME}:6"
    assert str(failure) == f"{NAME} lines 6-7: not Windows-1252 (or UTF-8 after a BOM)"
    assert len(events) == 2


def test_a_line_of_another_werkbon_under_a_tge_is_refused() -> None:
    body = SAMPLE.replace(b"WL-2026-004714;G-7781;UREN", b"WL-2026-004714;G-9999;UREN")
    events, (failure,) = export(body)
    assert "not those of the TGE row before it" in str(failure)
    assert failure.message_id == f"{NAME}:4"
    assert len(events) == 2


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "empty file"),
        (b"Opdrachtnummer;Werkbon\r\nWL-2026-004714;G-1\r\n", "lacks columns Regelsoort"),
        (b"\x00\xff\xfe garbage", "lacks columns"),
    ],
)
def test_a_file_without_its_header_is_unreadable_as_a_whole(body: bytes, match: str) -> None:
    with pytest.raises(UnreadableMessage, match=match):
        export(body)
    assert check(NAME, body) is not None


def test_a_header_only_export_has_no_facts() -> None:
    assert export(HEADER) == ([], [])
    assert check(NAME, SAMPLE) is None
