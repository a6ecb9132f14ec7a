"""Reading a Heuvelland batch file safely: hardened XML, the two encodings, line numbers.

The files come from outside, so the parser is defusedxml's: a DOCTYPE, an entity
declaration or an external reference stops parsing before anything is expanded or
fetched, and becomes :class:`UnsafeMessage` (an attack, never data). The encoding is
the one the prolog declares; Heuvelland's interface allows ISO-8859-1 and UTF-8 only.

ElementTree does not keep source lines, so the parser notes the line each ``Bericht``
starts on: a bad Bericht without a usable id is still findable in the file.

The parser is expat with defusedxml's guards set on it directly (the same handlers
``DefusedXMLParser`` sets: a DOCTYPE, an entity declaration or an external reference
raises from inside expat, which stops at once), and ElementTree's C ``TreeBuilder``
behind one small Python handler per element. ``DefusedXMLParser`` is built on the
pure-Python ``XMLParser``, whose layers of calls per element and attribute took about
a third of the time of reading a batch; the tree, the errors and the refusals are the
same (tests/connectors/heuvelland/ holds them).
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import NoReturn
from xml.parsers import expat

from defusedxml import (  # type: ignore[import-untyped]
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

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
    reader = _Reader()
    try:
        root = reader.parse(body)
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
    lines = reader.bericht_lines
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


_BERICHT = tag("Bericht")


class _Reader:
    """One parse: expat with defusedxml's guards, building an ElementTree tree and noting
    the line each top-level ``Bericht`` starts on.

    What ``DefusedXMLParser(target=..., forbid_dtd=True)`` and the pure-Python
    ``XMLParser`` under it do, in fewer layers: names as ``{namespace}local``, text
    buffered, attributes in document order, expat errors as ``ET.ParseError`` with
    their position.
    """

    def __init__(self) -> None:
        self.bericht_lines: list[int] = []
        self._builder = ET.TreeBuilder()
        self._names: dict[str, str] = {}
        self._depth = 0
        parser = self._parser = expat.ParserCreate(None, "}")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._builder.data
        parser.DefaultHandlerExpand = self._default
        # defusedxml's guards (forbid_dtd, forbid_entities, forbid_external).
        parser.StartDoctypeDeclHandler = _forbid_doctype
        parser.EntityDeclHandler = _forbid_entity
        parser.UnparsedEntityDeclHandler = _forbid_unparsed_entity
        parser.ExternalEntityRefHandler = _forbid_external

    def parse(self, body: bytes) -> ET.Element:
        try:
            self._parser.Parse(body, True)
        except expat.ExpatError as exc:
            error = ET.ParseError(exc)
            error.code = exc.code
            error.position = exc.lineno, exc.offset
            raise error from None
        return self._builder.close()

    def _name(self, key: str) -> str:
        """``namespace}local`` (expat's) as ``{namespace}local`` (ElementTree's)."""
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = "{" + key if "}" in key else key
        return name

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._depth += 1
        tag_name = self._names.get(name) or self._name(name)
        if self._depth == 2 and tag_name == _BERICHT:
            self.bericht_lines.append(self._parser.CurrentLineNumber)
        # expat gives the attributes in document order; only a namespaced one needs its
        # name spelled the ElementTree way (Heuvelland's have none).
        for key in attributes:
            if "}" in key:
                attributes = {self._name(key): value for key, value in attributes.items()}
                break
        self._builder.start(tag_name, attributes)

    def _end(self, name: str) -> None:
        self._depth -= 1
        self._builder.end(self._names.get(name) or self._name(name))

    def _default(self, text: str) -> None:
        """What reaches expat's default handler; only an undefined entity matters, and
        it is an error (as in ElementTree's parser, which has no entities of its own)."""
        if text[:1] == "&":
            parser = self._parser
            error = expat.ExpatError(
                f"undefined entity {text}: line {parser.ErrorLineNumber}, "
                f"column {parser.ErrorColumnNumber}"
            )
            error.code = 11  # XML_ERROR_UNDEFINED_ENTITY
            error.lineno = parser.ErrorLineNumber
            error.offset = parser.ErrorColumnNumber
            raise error


def _forbid_doctype(name: str, sysid: str | None, pubid: str | None, internal: bool) -> NoReturn:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(
    name: str,
    is_parameter_entity: bool,
    value: str | None,
    base: str | None,
    sysid: str | None,
    pubid: str | None,
    notation_name: str | None,
) -> NoReturn:
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _forbid_unparsed_entity(
    name: str, base: str | None, sysid: str | None, pubid: str | None, notation_name: str | None
) -> NoReturn:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _forbid_external(
    context: str | None, base: str | None, sysid: str | None, pubid: str | None
) -> NoReturn:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)
