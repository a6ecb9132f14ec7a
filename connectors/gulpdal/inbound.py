"""Gulpdal's nightly CSV export to canonical facts, one row (or werkbon completion) at a time.

A STATUS row is one fact. A TGE STATUS row and the UREN and MATERIAAL rows after it
(same order, same werkbon) are one completion: one TechnicallyCompleted with its hours
and materials. A bad row is reported with the file name and its line number and holds
back nothing else, except the completion it belongs to (a completion without one of
its lines would be a wrong fact, so it waits for the fix as a whole).

Gulpdal's rows carry no message id, and a re-run export repeats the day's rows with new
ones between them, so ids derive from a fact's content, never its place in the file:
the same row in a longer re-run, or saved again as UTF-8 by a spreadsheet, gives the
same event id; a changed or new row a new one. See docs/partners/gulpdal.md.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connectors.adapter import Translation, invalid
from connectors.errors import InvalidMessage, TranslationError, UnsupportedMessage
from connectors.gulpdal._csv import Row, read_rows
from connectors.units import unit_of
from contracts import (
    STATUS_FACTS,
    CanonicalEvent,
    DicoDetail,
    DicoStatus,
    HourLine,
    InformationExchanged,
    MaterialLine,
    OrderFact,
    OrderInterrupted,
    RawMessage,
    TechnicallyCompleted,
    Unit,
    local_to_utc,
    validated,
)

PARTNER = "gulpdal"

_ORDER_NUMBER = re.compile(r"WL-\d{4}-\d{6}", re.ASCII)
_DATE = re.compile(r"(\d{2})-(\d{2})-(\d{4})", re.ASCII)
_TIME = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
# A decimal comma, no thousands separators; bounded digits keep Decimal exact.
_DECIMAL = re.compile(r"-?\d{1,9}(,\d{1,6})?", re.ASCII)
_INFORMATION_CODES = {DicoStatus.VIN, DicoStatus.AIN, DicoStatus.REV, DicoStatus.REA}
_LINE_KINDS = {"UREN", "MATERIAAL"}


@dataclass
class _Completion:
    """A TGE row and the lines gathered under it so far."""

    row: Row
    hours: list[HourLine] = field(default_factory=list)
    materials: list[MaterialLine] = field(default_factory=list)
    identity: list[str] = field(default_factory=list)
    failure: TranslationError | None = None


def translate(raw: RawMessage) -> Translation:
    """The canonical events of every good row (or completion) of one export file."""
    file_name = raw.origin or "?"
    events: list[CanonicalEvent] = []
    failures: list[TranslationError] = []
    completion: _Completion | None = None

    def finish(done: _Completion | None) -> None:
        if done is None:
            return
        if done.failure is not None:
            failures.append(done.failure)
            return
        try:
            fact = _completed(done)
        except TranslationError as exc:
            failures.append(_at(exc, file_name, done.row))
            return
        events.append(_event(raw, fact, done.identity))

    for row in read_rows(raw.body):
        kind = row.fields.get("Regelsoort", "").strip()
        if completion is not None and kind in _LINE_KINDS:
            _add_line(completion, row, file_name)
            continue
        if completion is not None and row.problem is not None and not kind:
            # An unreadable row right after a TGE may be one of its lines: the
            # completion waits for the fix rather than going out without it.
            _add_line(completion, row, file_name)
            continue
        finish(completion)
        completion = None
        try:
            if row.problem is not None:
                raise InvalidMessage(row.problem)
            if kind in _LINE_KINDS:
                raise InvalidMessage(
                    f"Regelsoort {kind}: no TGE STATUS row of its werkbon before it"
                )
            if kind != "STATUS":
                raise UnsupportedMessage(
                    f"Regelsoort: {kind[:12]!r} is not STATUS, UREN or MATERIAAL"
                )
            status = _code(row, "Status", DicoStatus, "a DICO StatusCode")
            if status is DicoStatus.TGE:
                completion = _Completion(row=row, identity=_identity(row))
                continue
            fact = _status_fact(row, status)
        except TranslationError as exc:
            failures.append(_at(exc, file_name, row))
            continue
        events.append(_event(raw, fact, _identity(row)))
    finish(completion)
    return Translation(events=tuple(events), failures=tuple(failures))


def check(name: str, body: bytes) -> str | None:
    """Why the file inbox should refuse an export as a whole (no usable header), or None."""
    try:
        next(read_rows(body), None)
    except TranslationError as exc:
        return f"{type(exc).__name__}: {exc.reason}"
    return None


def _event(raw: RawMessage, fact: OrderFact, identity: list[str]) -> CanonicalEvent:
    return CanonicalEvent.create(
        fact,
        partner=PARTNER,
        channel=raw.channel,
        partner_message_id=_message_id(fact.partner_reference or "", identity),
        traceparent=raw.traceparent,
    )


def _message_id(werkbon: str, identity: list[str]) -> str:
    """A stable id from what a fact says: ``<werkbon>#<128-bit digest>``."""
    digest = hashlib.sha256("\x1e".join(identity).encode("utf-8")).hexdigest()[:32]
    return f"{werkbon[:40]}#{digest}"


def _identity(row: Row) -> list[str]:
    """A row's content, normalised so that re-encoding or re-saving keeps it the same."""
    fields = row.fields
    values = [fields[name].strip() for name in sorted(fields)]
    joined = "\x1f".join(values)
    if "\r" in joined or not unicodedata.is_normalized("NFC", joined):
        return ["\x1f".join([_normal(value) for value in values])]
    # The usual row: already NFC (the separator is a starter that composes with
    # nothing, so the whole is NFC exactly when every field is) and without a CR, so
    # only a field that starts like an amount or a time can still change.
    canonical = [
        _number_or_time(value) if value and (value[0] == "-" or value[0].isdigit()) else value
        for value in values
    ]
    return ["\x1f".join(canonical)]


def _normal(value: str) -> str:
    """One field as its identity sees it: NFC, LF line ends, amounts and times canonical."""
    text = unicodedata.normalize("NFC", value.strip())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _number_or_time(text)


def _number_or_time(text: str) -> str:
    # Both patterns start with a digit (\d: any Unicode decimal digit, which isdigit()
    # includes) or, for an amount, a minus sign: anything else is returned at once.
    first = text[:1]
    if first != "-" and not first.isdigit():
        return text
    if _DECIMAL.fullmatch(text):
        return str(Decimal(text.replace(",", ".")).normalize())  # 1,50 and 1,5 are one amount
    if (match := _TIME.fullmatch(text)) is not None:
        return f"{int(match.group(1)):02d}:{match.group(2)}"  # 7:55 and 07:55 too
    return text


def _at(exc: TranslationError, file_name: str, row: Row) -> TranslationError:
    """The error, naming the file and line of its row (a fresh error is ours to complete)."""
    exc.reason = f"{file_name} {row.lines}: {exc.reason}"
    exc.args = (exc.reason,)
    exc.message_id = f"{file_name}:{row.first_line}"
    return exc


def _withheld(
    exc: TranslationError, file_name: str, row: Row, completion: _Completion
) -> TranslationError:
    located = _at(exc, file_name, row)
    located.reason += f"; the completion on line {completion.row.first_line} is withheld"
    located.args = (located.reason,)
    return located


def _status_fact(row: Row, status: DicoStatus) -> OrderFact:
    common = _common(row)
    reason = row.fields["Reden"].strip()
    try:
        if status is DicoStatus.OND:
            detail = _code(row, "Reden", DicoDetail, "a DICO StatusDetailCode") if reason else None
            return validated(OrderInterrupted, {**common, "reason": detail})
        if status in _INFORMATION_CODES:
            return validated(InformationExchanged, {**common, "code": status})
        if status is DicoStatus.VER:
            raise UnsupportedMessage("Status VER: Gulpdal's export carries no new deadline")
        return validated(STATUS_FACTS[status], common)
    except ValidationError as exc:
        raise invalid(exc) from None


def _add_line(completion: _Completion, row: Row, file_name: str) -> None:
    """Put an UREN or MATERIAAL row under the TGE before it, or withhold the completion."""
    if completion.failure is not None:
        return
    try:
        if row.problem is not None:
            raise InvalidMessage(row.problem)
        head = completion.row.fields
        fields = row.fields
        if (fields["Opdrachtnummer"].strip(), fields["Werkbon"].strip()) != (
            head["Opdrachtnummer"].strip(),
            head["Werkbon"].strip(),
        ):
            raise InvalidMessage("Opdrachtnummer/Werkbon: not those of the TGE row before it")
        quantity = _decimal(row, "Aantal", required=True)
        assert quantity is not None
        unit = unit_of(fields["Eenheid"])
        if fields["Regelsoort"].strip() == "UREN":
            if unit is not Unit.UUR:
                raise InvalidMessage("Eenheid: UREN are counted in UUR")
            completion.hours.append(
                HourLine(
                    mechanic=fields["Monteur"].strip() or None,
                    hours=quantity,
                    description=fields["Omschrijving"].strip() or None,
                )
            )
        else:
            description = fields["Omschrijving"].strip()
            if not description:
                raise InvalidMessage("Omschrijving: required on a MATERIAAL row")
            completion.materials.append(
                MaterialLine(
                    description=description,
                    quantity=quantity,
                    unit=unit,
                    unit_price=_decimal(row, "Prijs", required=False),
                )
            )
    except ValidationError as exc:
        completion.failure = _withheld(invalid(exc), file_name, row, completion)
        return
    except TranslationError as exc:
        completion.failure = _withheld(exc, file_name, row, completion)
        return
    completion.identity += _identity(row)


def _completed(completion: _Completion) -> TechnicallyCompleted:
    common = _common(completion.row)
    try:
        return TechnicallyCompleted(
            **common,
            completed_at=common["occurred_at"],
            hours=tuple(completion.hours),
            materials=tuple(completion.materials),
        )
    except ValidationError as exc:
        raise invalid(exc) from None


def _common(row: Row) -> dict[str, Any]:
    fields = row.fields
    order_number = fields["Opdrachtnummer"].strip()
    if not _ORDER_NUMBER.fullmatch(order_number):
        raise InvalidMessage("Opdrachtnummer: not an order number WL-YYYY-NNNNNN")
    return {
        "order_number": order_number,
        "partner_reference": fields["Werkbon"].strip() or None,
        "occurred_at": local_to_utc(_when(row)),
        "note": fields["Omschrijving"].strip() or None,
    }


def _when(row: Row) -> datetime:
    day = _DATE.fullmatch(row.fields["Datum"].strip())
    if day is None:
        raise InvalidMessage("Datum: not a date dd-mm-yyyy")
    moment = _TIME.fullmatch(row.fields["Tijd"].strip())
    if moment is None:
        raise InvalidMessage("Tijd: not a time HH:MM")
    try:
        when_day = date(int(day.group(3)), int(day.group(2)), int(day.group(1)))
    except ValueError:
        raise InvalidMessage("Datum: not a valid date") from None
    if not 2000 <= when_day.year <= 2100:
        raise InvalidMessage("Datum: year outside 2000-2100")
    try:
        when_time = time(int(moment.group(1)), int(moment.group(2)))
    except ValueError:
        raise InvalidMessage("Tijd: not a valid time") from None
    return datetime.combine(when_day, when_time)


def _decimal(row: Row, column: str, *, required: bool) -> Decimal | None:
    value = row.fields[column].strip()
    if not value:
        if required:
            raise InvalidMessage(f"{column}: required")
        return None
    if not _DECIMAL.fullmatch(value):
        raise InvalidMessage(f"{column}: not a number with a decimal comma (at most 9 digits)")
    return Decimal(value.replace(",", "."))


def _code(row: Row, column: str, code_list: Any, what: str) -> Any:
    value = row.fields[column].strip()
    try:
        return code_list(value)
    except ValueError:
        raise InvalidMessage(f"{column}: {value[:10]!r} is not {what}") from None
