"""Heuvelland batch files (XML) to canonical facts, one Bericht at a time.

A file is one raw record holding many Berichten. A file that cannot be read at all
(not XML, an attack, a foreign encoding or namespace) raises; otherwise every
Bericht is translated on its own and the result is a :class:`Translation`: the good
Berichten's events and a typed error per bad one, named by its id (or its line when
it has none). Event ids derive from the Bericht id, so a file uploaded again (same
or new name) yields the same ids. Mapping choices: docs/partners/heuvelland.md.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from connectors.adapter import Translation, invalid
from connectors.errors import (
    InvalidMessage,
    InvoiceDoesNotAddUp,
    TranslationError,
    UnsupportedMessage,
)
from connectors.heuvelland._xml import Bericht, parse_batch, tag
from connectors.units import unit_of
from contracts import (
    STATUS_FACTS,
    AppointmentPlanned,
    CanonicalEvent,
    DicoCause,
    DicoDetail,
    DicoStatus,
    HourLine,
    InformationExchanged,
    InvoiceLine,
    InvoiceSubmitted,
    MaterialLine,
    OrderFact,
    OrderInterrupted,
    RawMessage,
    TechnicallyCompleted,
    Unit,
    VatTotal,
    cents,
    invoice_differences,
    local_to_utc,
    validated,
)

PARTNER = "heuvelland"

_ORDER_NUMBER = re.compile(r"WL-\d{4}-\d{6}", re.ASCII)
_LOCAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Bounded digits: amounts stay far inside Decimal's 28-digit context when multiplied.
_DECIMAL = re.compile(r"-?\d{1,9}(\.\d{1,6})?", re.ASCII)
_INFORMATION_CODES = {DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA}


def translate(raw: RawMessage) -> Translation:
    """The canonical events of every good Bericht in one batch file, and the bad ones."""
    batch = parse_batch(raw.body)
    created = _created(batch.root)
    events: list[CanonicalEvent] = []
    failures: list[TranslationError] = []
    seen: set[str] = set()
    for bericht in batch.berichten:
        try:
            if not bericht.id:
                raise InvalidMessage("Bericht/@id: required")
            if bericht.id in seen:
                raise InvalidMessage("Bericht/@id: occurs twice in the file")
            seen.add(bericht.id)
            fact = _fact(bericht.element, created)
        except TranslationError as exc:
            failures.append(_located(exc, bericht))
            continue
        events.append(
            CanonicalEvent.create(
                fact,
                partner=PARTNER,
                channel=raw.channel,
                partner_message_id=bericht.id,
                traceparent=raw.traceparent,
            )
        )
    return Translation(events=tuple(events), failures=tuple(failures))


def check(name: str, body: bytes) -> str | None:
    """Why the file inbox should refuse a file as a whole, or None: it must at least be a
    safe, well-formed batch in Heuvelland's namespace and encodings."""
    try:
        parse_batch(body)
    except TranslationError as exc:
        return f"{type(exc).__name__}: {exc.reason}"
    return None


def _located(exc: TranslationError, bericht: Bericht) -> TranslationError:
    """The error, saying which Bericht (id and line) it is about."""
    where = f"Bericht {bericht.id[:40]} (line {bericht.line})" if bericht.id else None
    where = where or f"Bericht #{bericht.position} (line {bericht.line})"
    # Each error is raised fresh for its Bericht, so it is ours to complete.
    exc.reason = f"{where}: {exc.reason}"
    exc.args = (exc.reason,)
    exc.message_id = bericht.id[:80] or f"line {bericht.line}"
    return exc


def _created(root: Element) -> datetime | InvalidMessage:
    """The batch's creation time, or the error for the Berichten that need it."""
    try:
        return _local_time(_required(root, "aangemaakt", "Berichten"), "Berichten/@aangemaakt")
    except InvalidMessage as exc:
        return exc


def _fact(element: Element, created: datetime | InvalidMessage) -> OrderFact:
    soort = _required(element, "soort", "Bericht")
    opdracht = _only(element, "Opdracht")
    order_number = _required(opdracht, "nummer", "Opdracht")
    if not _ORDER_NUMBER.fullmatch(order_number):
        raise InvalidMessage("Opdracht/@nummer: not an order number WL-YYYY-NNNNNN")
    common: dict[str, Any] = {
        "order_number": order_number,
        "partner_reference": _optional(opdracht, "eigenNummer"),
    }
    try:
        if soort == "Status":
            return _status(_only(element, "Status"), common)
        if soort == "Gereedmelding":
            return _completion(element, common)
        # Planning and Factuur carry no time of their own: the batch's creation time.
        if isinstance(created, InvalidMessage):
            raise InvalidMessage(created.reason)
        common["occurred_at"] = local_to_utc(created)
        if soort == "Planning":
            return _appointment(_only(element, "Afspraak"), common)
        if soort == "Factuur":
            return _invoice(_only(element, "Factuur"), common)
    except ValidationError as exc:
        raise invalid(exc) from None
    raise UnsupportedMessage(f"Bericht/@soort {soort[:20]!r} is not translated")


def _status(status: Element, common: dict[str, Any]) -> OrderFact:
    raw_code = _required(status, "code", "Status")
    try:
        code = DicoStatus(raw_code)
    except ValueError:
        raise InvalidMessage(f"Status/@code: {raw_code[:10]!r} is not a DICO StatusCode") from None
    occurred_at = local_to_utc(
        _local_time(_required(status, "tijdstip", "Status"), "Status/@tijdstip")
    )
    note = (status.text or "").strip() or None
    common = {**common, "occurred_at": occurred_at, "note": note}
    detail = _optional(status, "detail")
    if code is DicoStatus.OND:
        return validated(
            OrderInterrupted, {**common, "reason": _detail(detail) if detail else None}
        )
    if code in _INFORMATION_CODES:
        return validated(InformationExchanged, {**common, "code": code})
    if code is DicoStatus.TGE:
        # A bare TGE status (no Gereedmelding) completes at the status time.
        return validated(TechnicallyCompleted, {**common, "completed_at": occurred_at})
    if code is DicoStatus.VER:
        raise UnsupportedMessage(
            "Status/@code VER: Heuvelland's interface carries no new deadline to extend to"
        )
    return validated(STATUS_FACTS[code], common)


def _detail(value: str) -> DicoDetail:
    # DICO AFW is "afwachten i.v.m. weer", not VERA's AFW: kept as the DICO code here,
    # the destinations map it (docs/partners/heuvelland.md).
    try:
        return DicoDetail(value)
    except ValueError:
        raise InvalidMessage(
            f"Status/@detail: {value[:10]!r} is not a DICO StatusDetailCode"
        ) from None


def _appointment(afspraak: Element, common: dict[str, Any]) -> AppointmentPlanned:
    begin = _local_time(_required(afspraak, "begin", "Afspraak"), "Afspraak/@begin")
    end = _local_time(_required(afspraak, "eind", "Afspraak"), "Afspraak/@eind")
    if end < begin:
        raise InvalidMessage("Afspraak/@eind: before Afspraak/@begin")
    return validated(
        AppointmentPlanned,
        {**common, "starts_at": local_to_utc(begin), "ends_at": local_to_utc(end)},
    )


def _completion(element: Element, common: dict[str, Any]) -> TechnicallyCompleted:
    gereed = _only(element, "Gereed")
    completed_at = local_to_utc(_local_time(_required(gereed, "datum", "Gereed"), "Gereed/@datum"))
    first_time_fix = _optional(gereed, "eersteKeerGoed")
    cause = _optional(gereed, "oorzaak")
    hours: list[HourLine] = []
    materials: list[MaterialLine] = []
    for number, regel in enumerate(element.findall(tag("Regel")), start=1):
        where = f"Regel[{number}]"
        soort = _required(regel, "soort", where)
        quantity = _decimal(_required(regel, "aantal", where), f"{where}/@aantal")
        unit = unit_of(_required(regel, "eenheid", where))
        if soort == "ARBEID":
            if unit is not Unit.UUR:
                raise InvalidMessage(f"{where}/@eenheid: ARBEID is counted in UUR")
            rate = _optional(regel, "prijs")
            hours.append(
                HourLine(
                    hours=quantity,
                    description=_optional(regel, "omschrijving"),
                    hourly_rate=_decimal(rate, f"{where}/@prijs") if rate else None,
                )
            )
        elif soort == "MATERIAAL":
            price = _optional(regel, "prijs")
            materials.append(
                MaterialLine(
                    description=_required(regel, "omschrijving", where),
                    quantity=quantity,
                    unit=unit,
                    unit_price=_decimal(price, f"{where}/@prijs") if price else None,
                )
            )
        else:
            raise InvalidMessage(f"{where}/@soort: {soort[:12]!r} is not ARBEID or MATERIAAL")
    return TechnicallyCompleted(
        **common,
        occurred_at=completed_at,
        completed_at=completed_at,
        first_time_fix=_yes_no(first_time_fix, "Gereed/@eersteKeerGoed")
        if first_time_fix
        else None,
        cause=_cause(cause) if cause else None,
        nlsfb_element=_optional(gereed, "element"),
        hours=tuple(hours),
        materials=tuple(materials),
    )


def _cause(value: str) -> DicoCause:
    try:
        return DicoCause(value)
    except ValueError:
        raise InvalidMessage(f"Gereed/@oorzaak: {value[:10]!r} is not a DICO cause") from None


def _invoice(factuur: Element, common: dict[str, Any]) -> InvoiceSubmitted:
    number = _required(factuur, "nummer", "Factuur")
    reverse_charge = _yes_no(_required(factuur, "btwVerlegd", "Factuur"), "Factuur/@btwVerlegd")
    lines: list[InvoiceLine] = []
    for n, regel in enumerate(factuur.findall(tag("Regel")), start=1):
        where = f"Factuur/Regel[{n}]"
        quantity = _decimal(_required(regel, "aantal", where), f"{where}/@aantal")
        price = _decimal(_required(regel, "prijs", where), f"{where}/@prijs")
        unit = _optional(regel, "eenheid")
        lines.append(
            InvoiceLine(
                description=_required(regel, "omschrijving", where),
                quantity=quantity,
                unit=unit_of(unit) if unit else None,
                unit_price=price,
                amount_excl_vat=cents(quantity * price),
                vat_rate=_decimal(_required(regel, "btw", where), f"{where}/@btw"),
            )
        )
    if not lines:
        raise InvalidMessage("Factuur/Regel: at least one line is required")
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal("0.00")) + line.amount_excl_vat
    # Heuvelland states one btw total; the btw is rounded to cents per rate.
    vat_totals = tuple(
        VatTotal(
            rate=rate,
            base=base,
            vat=Decimal("0.00") if reverse_charge else cents(base * rate / 100),
        )
        for rate, base in sorted(bases.items())
    )
    totaal = _only(factuur, "Totaal")
    fields: dict[str, Any] = {
        **common,
        "invoice_number": number,
        "invoice_date": _date(_required(factuur, "datum", "Factuur"), "Factuur/@datum"),
        "due_date": _date(_required(factuur, "vervaldatum", "Factuur"), "Factuur/@vervaldatum"),
        "reverse_charge": reverse_charge,
        "lines": tuple(lines),
        "vat_totals": vat_totals,
        "total_excl_vat": _decimal(_required(totaal, "exclBtw", "Totaal"), "Totaal/@exclBtw"),
        "total_vat": _decimal(_required(totaal, "btw", "Totaal"), "Totaal/@btw"),
        "total_incl_vat": _decimal(_required(totaal, "inclBtw", "Totaal"), "Totaal/@inclBtw"),
        "g_account_amount": _decimal(_optional(totaal, "gRekening") or "0.00", "Totaal/@gRekening"),
    }
    differences = invoice_differences(InvoiceSubmitted.model_construct(**fields))
    if differences:
        raise InvoiceDoesNotAddUp(
            f"Factuur {number[:30]} does not add up: " + "; ".join(differences),
            differences=differences,
        )
    return InvoiceSubmitted(**fields)


# --- values ------------------------------------------------------------------------


def _only(parent: Element, local_name: str) -> Element:
    found = parent.findall(tag(local_name))
    if len(found) != 1:
        problem = "required" if not found else "occurs more than once"
        raise InvalidMessage(f"{local_name}: {problem}")
    return found[0]


def _required(element: Element, name: str, where: str) -> str:
    value = _optional(element, name)
    if value is None:
        raise InvalidMessage(f"{where}/@{name}: required")
    return value


def _optional(element: Element, name: str) -> str | None:
    value = element.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _local_time(value: str, field: str) -> datetime:
    if not _LOCAL_DATETIME.fullmatch(value):
        raise InvalidMessage(f"{field}: not a local time yyyy-MM-ddTHH:mm:ss")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidMessage(f"{field}: not a valid date and time") from None
    if not 2000 <= moment.year <= 2100:
        raise InvalidMessage(f"{field}: year outside 2000-2100")
    return moment


def _date(value: str, field: str) -> date:
    if not _DATE.fullmatch(value):
        raise InvalidMessage(f"{field}: not a date yyyy-MM-dd")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidMessage(f"{field}: not a valid date") from None


def _decimal(value: str, field: str) -> Decimal:
    if not _DECIMAL.fullmatch(value):
        raise InvalidMessage(f"{field}: not a decimal number with a dot (at most 9 digits)")
    return Decimal(value)


def _yes_no(value: str, field: str) -> bool:
    if value == "J":
        return True
    if value == "N":
        return False
    raise InvalidMessage(f"{field}: not J or N")
