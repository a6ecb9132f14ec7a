"""Golden tests: every shared Heuvelland sample becomes exactly the expected facts, and each
kind of bad input a typed error that names the Bericht and the field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.errors import (
    InvalidMessage,
    InvoiceDoesNotAddUp,
    UnreadableMessage,
    UnsafeMessage,
    UnsupportedMessage,
)
from connectors.heuvelland import check, translate
from contracts import (
    AppointmentPlanned,
    DicoCause,
    DicoDetail,
    InvoiceSubmitted,
    OrderAccepted,
    OrderInterrupted,
    TechnicallyCompleted,
    Unit,
    event_id,
)
from router.destinations.onderhoud import to_vera
from tests.samples import partner_sample, raw

FIRST = "HVL_20261126073000_0001.xml"
SECOND = "HVL_20261127160500_0002.xml"


def facts(body: bytes):
    translation = translate(raw("heuvelland", body, "file"))
    return translation.events, translation.failures


def test_status_and_planning_in_utc_with_ids_from_the_bericht_ids() -> None:
    events, failures = facts(partner_sample("heuvelland", FIRST))
    assert failures == ()
    accepted, planned = events
    assert accepted.id == event_id("heuvelland", "HB-77812", 0)
    assert planned.id == event_id("heuvelland", "HB-77813", 0)
    assert accepted.source == "/partners/heuvelland/file"
    assert accepted.data == OrderAccepted(
        order_number="WL-2026-004712",
        partner_reference="H-2026-3301",
        occurred_at=datetime(2026, 11, 26, 6, 12, 9, tzinfo=UTC),
        note="Opdracht geaccepteerd, materiaal wordt besteld",
    )
    # 27 November is winter time: 13:00-15:00 local is 12:00-14:00 UTC; the Planning has
    # no time of its own, so it happened when the batch was made (07:30 local).
    assert planned.data == AppointmentPlanned(
        order_number="WL-2026-004712",
        partner_reference="H-2026-3301",
        occurred_at=datetime(2026, 11, 26, 6, 30, tzinfo=UTC),
        starts_at=datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
    )


def test_completion_invoice_and_weather_interruption() -> None:
    events, failures = facts(partner_sample("heuvelland", SECOND))
    assert failures == ()
    assert [e.id for e in events] == [
        event_id("heuvelland", message_id, 0) for message_id in ("HB-77840", "HB-77841", "HB-77842")
    ]
    completed, invoice, interrupted = (e.data for e in events)

    assert isinstance(completed, TechnicallyCompleted)
    assert completed.completed_at == datetime(2026, 11, 27, 13, 35, tzinfo=UTC)
    assert completed.occurred_at == completed.completed_at
    assert completed.first_time_fix is True
    assert completed.cause is DicoCause.OUD
    assert completed.nlsfb_element == "31.21"
    assert [(h.hours, h.description, h.hourly_rate) for h in completed.hours] == [
        (Decimal("2.50"), "Timmerman, deur afgesteld en slot vervangen", Decimal("58.50"))
    ]
    assert [(m.description, m.quantity, m.unit, m.unit_price) for m in completed.materials] == [
        ("Insteekslot SKG** met cilinder", Decimal("1"), Unit.STU, Decimal("24.95"))
    ]

    assert isinstance(invoice, InvoiceSubmitted)
    assert invoice.invoice_number == "F2026-01877"
    assert (invoice.invoice_date, invoice.due_date) == (date(2026, 11, 30), date(2026, 12, 30))
    assert invoice.reverse_charge is False
    assert [
        (line.quantity, line.unit, line.unit_price, line.amount_excl_vat, line.vat_rate)
        for line in invoice.lines
    ] == [
        (Decimal("2.50"), Unit.UUR, Decimal("58.50"), Decimal("146.25"), Decimal("21")),
        (Decimal("1"), Unit.STU, Decimal("24.95"), Decimal("24.95"), Decimal("21")),
    ]  # fmt: skip
    assert [(t.rate, t.base, t.vat) for t in invoice.vat_totals] == [
        (Decimal("21"), Decimal("171.20"), Decimal("35.95"))
    ]
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("171.20"),
        Decimal("35.95"),
        Decimal("207.15"),
    )
    assert invoice.g_account_amount == Decimal("0.00")
    assert all(type(line.amount_excl_vat) is Decimal for line in invoice.lines)

    # DICO AFW is "waiting for the weather": kept as DICO, and never VERA's AFW
    # ("klant niet aanwezig") at the maintenance system.
    assert isinstance(interrupted, OrderInterrupted)
    assert interrupted.order_number == "WL-2026-004730"
    assert interrupted.reason is DicoDetail.AFW
    assert interrupted.note is not None
    assert interrupted.note.endswith("dhr. Schöner.")
    call = to_vera(interrupted)
    assert call is not None
    assert call.body["onderhoudstaken"] == [{"status": {"code": "OND"}}]


def test_iso_8859_1_and_utf_8_files_give_the_same_facts() -> None:
    latin = partner_sample("heuvelland", SECOND)
    utf8 = latin.decode("iso-8859-1").replace('encoding="ISO-8859-1"', 'encoding="UTF-8"')
    assert facts(utf8.encode("utf-8")) == facts(latin)
    without_prolog = utf8.split("\n", 1)[1].encode("utf-8")  # no prolog: UTF-8
    assert facts(without_prolog) == facts(latin)


def test_the_same_file_again_gives_the_same_event_ids() -> None:
    body = partner_sample("heuvelland", SECOND)
    assert [e.id for e in facts(body)[0]] == [e.id for e in facts(body)[0]]


def replace(old: bytes, new: bytes, name: str = SECOND) -> bytes:
    body = partner_sample("heuvelland", name)
    assert old in body
    return body.replace(old, new, 1)


def test_an_invoice_off_by_a_cent_is_refused_with_the_difference_and_the_rest_goes_on() -> None:
    events, (failure,) = facts(replace(b'inclBtw="207.15"', b'inclBtw="207.16"'))

    assert isinstance(failure, InvoiceDoesNotAddUp)
    assert failure.message_id == "HB-77841"
    assert failure.differences == ["total incl. btw is 207.16, computed 207.15 (difference 0.01)"]
    assert str(failure) == (
        "Bericht HB-77841 (line 9): Factuur F2026-01877 does not add up: "
        "total incl. btw is 207.16, computed 207.15 (difference 0.01)"
    )
    assert [e.id for e in events] == [
        event_id("heuvelland", "HB-77840", 0),
        event_id("heuvelland", "HB-77842", 0),
    ]


def test_a_btw_total_that_ignores_rounding_per_rate_is_refused() -> None:
    # 171.20 x 21% = 35.952, which is 35.95 to the cent; 35.96 is a cent too much.
    _, (failure,) = facts(replace(b'btw="35.95" inclBtw="207.15"', b'btw="35.96" inclBtw="207.16"'))
    assert isinstance(failure, InvoiceDoesNotAddUp)
    assert failure.differences == ["total btw is 35.96, computed 35.95 (difference 0.01)"]


def test_reverse_charge_means_no_btw() -> None:
    body = replace(b'btwVerlegd="N"', b'btwVerlegd="J"').replace(
        b'btw="35.95" inclBtw="207.15"', b'btw="0.00" inclBtw="171.20"'
    )
    events, failures = facts(body)
    assert failures == ()
    invoice = events[1].data
    assert isinstance(invoice, InvoiceSubmitted)
    assert invoice.reverse_charge is True
    assert (invoice.total_vat, invoice.total_incl_vat) == (Decimal("0.00"), Decimal("171.20"))
    _, (failure,) = facts(replace(b'btwVerlegd="N"', b'btwVerlegd="J"'))
    assert isinstance(failure, InvoiceDoesNotAddUp)
    assert "total btw is 35.95, computed 0.00 (difference 35.95)" in failure.differences


@pytest.mark.parametrize(
    ("old", "new", "error", "message_id", "reason"),
    [
        (b'code="OND"', b'code="XYZ"', InvalidMessage, "HB-77842", "Status/@code"),
        (b'detail="AFW"', b'detail="WTF"', InvalidMessage, "HB-77842", "Status/@detail"),
        (b'code="OND"', b'code="VER"', UnsupportedMessage, "HB-77842", "no new deadline"),
        (
            b'tijdstip="2026-11-27T15:50:00"',
            b'tijdstip="2026-02-31T15:50:00"',
            InvalidMessage,
            "HB-77842",
            "Status/@tijdstip: not a valid date",
        ),
        (b'eersteKeerGoed="J"', b'eersteKeerGoed="ja"', InvalidMessage, "HB-77840", "not J or N"),
        (
            b'aantal="2.50" eenheid="UUR" prijs="58.50"/>',
            b'aantal="2,50" eenheid="UUR" prijs="58.50"/>',
            InvalidMessage,
            "HB-77840",
            "Regel[1]/@aantal",
        ),
        (
            b'eenheid="ST" prijs="24.95"/>',
            b'eenheid="DOOS" prijs="24.95"/>',
            InvalidMessage,
            "HB-77840",
            "unknown unit",
        ),
        (
            b'nummer="WL-2026-004730"',
            b'nummer="4730"',
            InvalidMessage,
            "HB-77842",
            "Opdracht/@nummer",
        ),
        (
            b'soort="Status">\r\n    <hb:Opdracht nummer="WL-2026-004730"',
            b'soort="Offerte">\r\n    <hb:Opdracht nummer="WL-2026-004730"',
            UnsupportedMessage,
            "HB-77842",
            "Bericht/@soort",
        ),
        # Digits of another script (full-width): \d would match them, int() read them.
        (
            b'nummer="WL-2026-004730"',
            'nummer="WL-２０２６-004730"'.encode(),
            InvalidMessage,
            "HB-77842",
            "Opdracht/@nummer",
        ),
        (
            b'tijdstip="2026-11-27T15:50:00"',
            'tijdstip="２026-11-27T15:50:00"'.encode(),
            InvalidMessage,
            "HB-77842",
            "Status/@tijdstip",
        ),
        (
            b'aantal="2.50" eenheid="UUR" prijs="58.50"/>',
            'aantal="２.50" eenheid="UUR" prijs="58.50"/>'.encode(),
            InvalidMessage,
            "HB-77840",
            "Regel[1]/@aantal",
        ),
        (b'id="HB-77842"', b'id=""', InvalidMessage, "line 17", "Bericht/@id: required"),
        (b'id="HB-77842"', b'id="HB-77840"', InvalidMessage, "HB-77840", "occurs twice"),
    ],
)
def test_one_bad_bericht_is_reported_and_the_others_still_become_events(
    old: bytes, new: bytes, error: type, message_id: str, reason: str
) -> None:
    events, (failure,) = facts(replace(old, new))
    assert type(failure) is error
    assert failure.message_id == message_id
    assert reason in str(failure)
    assert len(events) == 2


def test_a_bad_batch_time_fails_only_the_berichten_that_need_it() -> None:
    events, failures = facts(
        replace(b'aangemaakt="2026-11-26T07:30:00"', b'aangemaakt="gisteren"', FIRST)
    )
    assert [e.data.fact_type for e in events] == ["order.accepted"]
    assert [(f.message_id, f.reason) for f in failures] == [
        (
            "HB-77813",
            "Bericht HB-77813 (line 7): "
            "Berichten/@aangemaakt: not a local time yyyy-MM-ddTHH:mm:ss",
        )
    ]


def test_errors_never_quote_the_free_text() -> None:
    body = replace(b'code="OND"', b'code="Schoner"')
    _, (failure,) = facts(body)
    assert "Schöner" not in str(failure)
    assert "Dakgoot" not in str(failure)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<hb:Berichten xmlns:hb="urn:heuvelland:onderhoud:1.2">&lol2;</hb:Berichten>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<hb:Berichten xmlns:hb="urn:heuvelland:onderhoud:1.2">&xxe;</hb:Berichten>"""
DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE hb:Berichten SYSTEM "http://127.0.0.1:9/evil.dtd">
<hb:Berichten xmlns:hb="urn:heuvelland:onderhoud:1.2" aangemaakt="2026-11-26T07:30:00"/>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL, DTD_ONLY])
def test_a_doctype_or_entity_is_an_attack_refused_before_anything_is_expanded(body: bytes) -> None:
    with pytest.raises(UnsafeMessage, match="DTD"):
        translate(raw("heuvelland", body, "file"))
    assert check("HVL_20261126073000_0001.xml", body) is not None


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "not well-formed"),
        (b"<hb:Berichten", "not well-formed"),
        (b"{}", "not well-formed"),
        (b'<?xml version="1.0" encoding="windows-1252"?><a/>', "not ISO-8859-1 or UTF-8"),
        (b"<Berichten/>", "root element is not Berichten"),
        (
            b'<hb:Berichten xmlns:hb="urn:heuvelland:onderhoud:1.3"/>',
            "namespace version '1.3' is not supported",
        ),
        ("<a/>".encode("utf-16"), "UTF-16"),
    ],
)
def test_a_file_that_cannot_be_read_raises_a_typed_error(body: bytes, match: str) -> None:
    with pytest.raises((UnreadableMessage, UnsupportedMessage), match=match):
        translate(raw("heuvelland", body, "file"))


def test_check_accepts_every_sample() -> None:
    assert check(FIRST, partner_sample("heuvelland", FIRST)) is None
    assert check(SECOND, partner_sample("heuvelland", SECOND)) is None
    assert check("x.xml", b"<x>") == "UnreadableMessage: not well-formed XML at line 1, column 3"
