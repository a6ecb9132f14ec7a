"""Reading a Gulpdal export: the two encodings, quoted multi-line fields, line numbers.

Gulpdal's ERP writes Windows-1252; a file saved again by a spreadsheet program comes
as UTF-8 with a byte-order mark, so the BOM decides. Every physical line is decoded on
its own (CR and LF never occur inside a multi-byte character of either encoding), so
one undecodable byte spoils only the row it is in, not the file. Each row keeps the
numbers of the physical lines it spans, for the report of a bad row.
"""

from __future__ import annotations

import csv
import io
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass

from connectors.errors import UnreadableMessage

UTF8_BOM = b"\xef\xbb\xbf"
COLUMNS = (
    "Opdrachtnummer",
    "Werkbon",
    "Regelsoort",
    "Status",
    "Reden",
    "Datum",
    "Tijd",
    "Monteur",
    "Aantal",
    "Eenheid",
    "Prijs",
    "Omschrijving",
)
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r|$)")


@dataclass(frozen=True)
class Row:
    """One data row: its fields by column name and the physical lines it spans."""

    fields: dict[str, str]
    first_line: int
    last_line: int
    problem: str | None = None  # set when the row could not be read; then never translated

    @property
    def lines(self) -> str:
        if self.first_line == self.last_line:
            return f"line {self.first_line}"
        return f"lines {self.first_line}-{self.last_line}"


def read_rows(body: bytes) -> Iterator[Row]:
    """The data rows of an export; raises UnreadableMessage when the header is wrong."""
    text, bad_lines = _decode(body)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableMessage("empty file: no header row") from None
    except csv.Error:
        raise UnreadableMessage("the header row is not CSV") from None
    names = [name.strip() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing or 1 in bad_lines:
        raise UnreadableMessage(
            f"the header row lacks columns {', '.join(missing)}"
            if missing
            else "the header row is not Windows-1252"
        )
    # The columns' values in COLUMNS order, cut out of a row in one call.
    columns = operator.itemgetter(*(names.index(name) for name in COLUMNS))
    line = reader.line_num
    while True:
        first = line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            line = reader.line_num
            yield Row({}, first, line, problem="not valid CSV (quotes)")
            continue
        line = reader.line_num
        if not "".join(values).strip():
            continue  # an empty line (a trailing one is common)
        if len(values) != len(names):
            yield Row({}, first, line, problem=f"{len(values)} fields, the header has {len(names)}")
            continue
        fields = dict(zip(COLUMNS, columns(values), strict=True))
        if bad_lines and any(first <= number <= line for number in bad_lines):
            # The fields are kept (undecodable bytes replaced) only to tell what kind of
            # row it was; the row itself is not translated.
            yield Row(fields, first, line, problem="not Windows-1252 (or UTF-8 after a BOM)")
            continue
        yield Row(fields, first, line)


def _decode(body: bytes) -> tuple[str, set[int]]:
    """The text, and the numbers of the physical lines that did not decode."""
    encoding = "cp1252"
    if body.startswith(UTF8_BOM):
        body, encoding = body[len(UTF8_BOM) :], "utf-8"
    # The common case first: every line decodes, so the whole file does, and gives the
    # same text (no multi-byte character of either encoding holds a CR or LF byte).
    try:
        return body.decode(encoding), set()
    except UnicodeDecodeError:
        pass
    parts: list[str] = []
    bad: set[int] = set()
    for number, match in enumerate(_LINE.finditer(body), start=1):
        chunk = match.group()
        if not chunk:
            break
        try:
            parts.append(chunk.decode(encoding))
        except UnicodeDecodeError:
            bad.add(number)
            parts.append(chunk.decode(encoding, errors="replace"))
    return "".join(parts), bad
