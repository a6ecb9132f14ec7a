"""Reading a Heuvelland batch file safely: hardened XML, the two encodings, line numbers.

The files come from outside, so the parser is defusedxml's: a DOCTYPE, an entity
declaration or an external reference stops parsing before anything is expanded or
fetched, and becomes :class:`UnsafeMessage` (an attack, never data). The encoding is
the one the prolog declares; Heuvelland's interface allows ISO-8859-1 and UTF-8 only.

ElementTree does not keep source lines, so the parser target notes the line each
``Bericht`` starts on: a bad Bericht without a usable id is still findable in the file.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from defusedxml import (  # type: ignore[import-untyped]
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
)
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from connectors.errors import UnreadableMessage, UnsafeMessage, UnsupportedMessage

NAMESPACE = "urn:heuvelland:onderhoud:1.2"
_NS_PREFIX = f"{{{NAMESPACE}}}"
_ALLOWED_ENCODINGS = {"iso8859-1", "utf-8"}  # codecs' canonical names
_PROLOG_ENCODING = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_UTF8_BOM = b"\xef\xbb\xbf"


def tag(local_name: str) -> str:
    """The qualified tag of a Heuvelland element, as ElementTree spells it."""
    return _NS_PREFIX + local_name


@dataclass(frozen=True)
class Bericht:
    element: ET.Element
    line: int
    position: int  # 1-based place in the batch

    @property
    def id(self) -> str:
        return (self.element.get("id") or "").strip()


@dataclass(frozen=True)
class Batch:
    root: ET.Element
    berichten: tuple[Bericht, ...]


def parse_batch(body: bytes) -> Batch:
    """The batch in a file's bytes; raises UnreadableMessage (UnsafeMessage for attacks)."""
    _check_encoding(body)
    target = _LineNotingBuilder()
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    target.expat = parser.parser
    try:
        parser.feed(body)
        root = parser.close()
    except DTDForbidden:
        raise UnsafeMessage("the file declares a DTD (DOCTYPE): refused, never data") from None
    except EntitiesForbidden:
        raise UnsafeMessage("the file declares an entity: refused, never data") from None
    except DefusedXmlException:
        raise UnsafeMessage("the file refers to an external resource: refused") from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise UnreadableMessage(f"not well-formed XML at line {line}, column {column}") from None
    except (ValueError, LookupError, TypeError) as exc:
        raise UnreadableMessage(f"not readable as XML: {type(exc).__name__}") from None
    if not isinstance(root, ET.Element):
        raise UnreadableMessage("no root element")
    if root.tag != tag("Berichten"):
        namespace, _, local = (
            root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
        )
        if local == "Berichten" and namespace.startswith("urn:heuvelland:onderhoud:"):
            raise UnsupportedMessage(
                f"namespace version {namespace.rsplit(':', 1)[-1][:10]!r} is not supported "
                f"(expected {NAMESPACE})"
            )
        raise UnreadableMessage(f"the root element is not Berichten in {NAMESPACE}")
    berichten = [child for child in root if child.tag == tag("Bericht")]
    lines = target.bericht_lines
    return Batch(
        root=root,
        berichten=tuple(
            Bericht(element=element, line=lines[n] if n < len(lines) else 0, position=n + 1)
            for n, element in enumerate(berichten)
        ),
    )


def _check_encoding(body: bytes) -> None:
    """Only the encodings of Heuvelland's interface; the prolog decides which."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableMessage("UTF-16 is not an encoding of Heuvelland's interface")
    head = body[len(_UTF8_BOM) :] if body.startswith(_UTF8_BOM) else body
    match = _PROLOG_ENCODING.match(head[:200])
    if match is None:
        return  # no declaration: XML's default, UTF-8
    declared = match.group(1).decode("ascii")
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        name = ""
    if name not in _ALLOWED_ENCODINGS:
        raise UnreadableMessage(
            f"encoding {declared!r} is not ISO-8859-1 or UTF-8 (Heuvelland's interface)"
        )


class _LineNotingBuilder:
    """An ElementTree parser target: builds the tree, noting where each Bericht starts."""

    def __init__(self) -> None:
        self._builder = ET.TreeBuilder()
        self.expat: Any = None
        self.bericht_lines: list[int] = []
        self._depth = 0

    def start(self, name: str, attributes: dict[str, str]) -> ET.Element:
        self._depth += 1
        if self._depth == 2 and name == tag("Bericht"):
            self.bericht_lines.append(int(self.expat.CurrentLineNumber))
        return self._builder.start(name, attributes)

    def end(self, name: str) -> ET.Element:
        self._depth -= 1
        return self._builder.end(name)

    def data(self, text: str) -> None:
        self._builder.data(text)

    def close(self) -> ET.Element:
        return self._builder.close()
