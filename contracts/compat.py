"""Would a new JSON Schema of a fact type break a consumer of the committed v1 one?

A v1 topic keeps old events (they are replayed), and its consumers are written
against the committed schema, so a change must hold both ways: what v1 readers
were promised stays true, and what v1 writers wrote stays valid. Breaking:

* a field removed, or no longer required (readers rely on it);
* a field newly required (old events lack it);
* a type changed, narrowed or widened (``string`` to ``integer``; a value that can
  now also be ``null`` is new to a reader, one that no longer can be refuses old
  events);
* a code removed from a code list (``enum``), a ``const`` changed, a list made a
  code list;
* a ``pattern`` or ``format`` changed, a length, size or range made tighter;
* an open object closed (``additionalProperties: false``).

Compatible: a new optional field, a new code in a code list (readers treat a code
they do not know as "other": VERA and DICO lists grow), a new or changed
description, example or ``x-`` annotation. Anything else needs a new major version:
a new ``type`` (``...v2``) on a new topic.

Small on purpose (JSON Schema as pydantic writes it: ``$ref`` into ``$defs``,
``anyOf``, ``enum``, ``const``, objects and arrays); no library found fitted, see
docs/contracts.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_TIGHTER_IF_HIGHER = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")
_TIGHTER_IF_LOWER = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each way ``new`` breaks a consumer of ``old``, as ``path: what``; empty if none."""
    return list(_compare(_Doc(old), old, _Doc(new), new, "$"))


class _Doc:
    """One schema document, to resolve its local ``$ref``s."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema:
            target: Any = self.root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            extra = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {**target, **extra}
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref cycle at {schema.get('title', '?')}")
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            return self.resolve({**all_of[0], **rest})
        return schema

    def branches(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives of a schema (``anyOf``/``oneOf``), resolved; itself if none."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if not options:
            return [schema]
        return [branch for option in options for branch in self.branches(option)]


def _compare(
    old_doc: _Doc, old: dict[str, Any], new_doc: _Doc, new: dict[str, Any], path: str
) -> Iterator[str]:
    old_branches = old_doc.branches(old)
    new_branches = new_doc.branches(new)
    if len(old_branches) == 1 and len(new_branches) == 1:
        yield from _compare_one(old_doc, old_branches[0], new_doc, new_branches[0], path)
        return
    for branch in old_branches:
        candidates = [other for other in new_branches if _types(other) == _types(branch)]
        if not candidates:
            yield f"{path}: a {_describe(branch)} value is no longer accepted"
            continue
        outcomes = [
            list(_compare_one(old_doc, branch, new_doc, other, path)) for other in candidates
        ]
        if all(outcomes):
            yield from outcomes[0]
    old_types = {_types(branch) for branch in old_branches}
    for branch in new_branches:
        if _types(branch) not in old_types:
            yield f"{path}: may now be a {_describe(branch)} value, new to a v1 reader"


def _compare_one(
    old_doc: _Doc, old: dict[str, Any], new_doc: _Doc, new: dict[str, Any], path: str
) -> Iterator[str]:
    old_type, new_type = _types(old), _types(new)
    if old_type != new_type:
        yield f"{path}: type {_show(old_type)} became {_show(new_type)}"
        return
    yield from _values(old, new, path)
    yield from _constraints(old, new, path)
    if "object" in new_type:
        yield from _objects(old_doc, old, new_doc, new, path)
    if "array" in new_type and ("items" in old or "items" in new):
        yield from _compare(
            old_doc, old.get("items", {}), new_doc, new.get("items", {}), f"{path}[]"
        )


def _values(old: dict[str, Any], new: dict[str, Any], path: str) -> Iterator[str]:
    if old.get("const", _ABSENT) != new.get("const", _ABSENT):
        yield f"{path}: const {old.get('const')!r} became {new.get('const')!r}"
    if "enum" in new:
        if "enum" not in old:
            yield f"{path}: any value became a code list"
        elif removed := [code for code in old["enum"] if code not in new["enum"]]:
            yield f"{path}: codes removed from the list: {', '.join(map(str, removed))}"


def _constraints(old: dict[str, Any], new: dict[str, Any], path: str) -> Iterator[str]:
    for keyword in ("pattern", "format"):
        if keyword in new and old.get(keyword) != new[keyword]:
            yield f"{path}: {keyword} changed to {new[keyword]!r}"
    for keyword in _TIGHTER_IF_HIGHER:
        if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
            yield f"{path}: {keyword} raised to {new[keyword]}"
    for keyword in _TIGHTER_IF_LOWER:
        if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
            yield f"{path}: {keyword} lowered to {new[keyword]}"


def _objects(
    old_doc: _Doc, old: dict[str, Any], new_doc: _Doc, new: dict[str, Any], path: str
) -> Iterator[str]:
    old_properties: dict[str, Any] = old.get("properties", {})
    new_properties: dict[str, Any] = new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name, schema in old_properties.items():
        if name not in new_properties:
            yield f"{path}.{name}: removed"
            continue
        if name in old_required and name not in new_required:
            yield f"{path}.{name}: no longer required (a v1 reader relies on it)"
        yield from _compare(old_doc, schema, new_doc, new_properties[name], f"{path}.{name}")
    for name in sorted(new_required - old_required):
        yield f"{path}.{name}: newly required (v1 events lack it)"
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        yield f"{path}: closed to fields it does not list"


_ABSENT = object()


def _types(schema: dict[str, Any]) -> frozenset[str]:
    declared = schema.get("type")
    if declared is None:
        if "properties" in schema:
            return frozenset({"object"})
        if "const" in schema:
            return frozenset({type(schema["const"]).__name__})
        return frozenset()
    return frozenset([declared] if isinstance(declared, str) else declared)


def _show(types: frozenset[str]) -> str:
    return "|".join(sorted(types)) or "any"


def _describe(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return f"code ({', '.join(map(str, schema['enum']))})"
    if "const" in schema:
        return f"{schema['const']!r}"
    return _show(_types(schema))
