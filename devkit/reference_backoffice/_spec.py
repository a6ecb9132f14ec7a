"""The three corporation systems and the operations their VERA specs allow.

Routing is driven by the specs, so the back office accepts exactly what VERA
defines: every path and method with a JSON ``requestBody`` (POST, PUT, PATCH)
becomes an operation validated against that body schema. The spec files are the
published ones in ``contracts/vera``, read at start.

Two deliberate departures from the letter of the specs:

* **Path ids are strings.** ``PATCH /onderhoudsorders/{id}`` declares ``id`` as an
  integer, but the corporation uses its order numbers (``WL-2026-004711``) as ids,
  and the sibling GET/PUT declare a string. Path parameter schemas are ignored.
* **``oneOf`` is read as ``anyOf``.** VERA's ``oneOf`` lists a base schema and
  extensions of it (``Adres-basis`` and ``Eenheidadres = allOf(Adres-basis, ...)``)
  without closing any of them, so every address matches two members and a literal
  ``oneOf`` would refuse every valid one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from ._validation import BodyValidator

__all__ = ["SYSTEMS", "Operation", "RouteError", "RouteMatch", "SystemRoutes", "load_systems"]

log = logging.getLogger(__name__)

#: system name -> the spec file (in the spec folder) it speaks.
SYSTEMS: Final[Mapping[str, str]] = {
    "onderhoud": "OHD.yaml",
    "financien": "OHD.yaml",
    "relaties": "BRG.yaml",
}
_BODY_METHODS: Final = ("post", "put", "patch")
_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path template, with the validator of its body (if any)."""

    method: str
    template: str
    collection: str
    id_param: str | None
    pattern: re.Pattern[str]
    validator: BodyValidator | None


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """An operation matched to a concrete path."""

    operation: Operation
    collection: str
    resource_id: str | None


class RouteError(Exception):
    """No operation for this request: 404 (unknown path) or 405 (known path, other method)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SystemRoutes:
    """The operations one system accepts, and the lookup of a request among them."""

    def __init__(self, name: str, spec_file: str | None, operations: list[Operation]) -> None:
        self.name = name
        self.spec_file = spec_file
        self.operations = operations

    @property
    def validating(self) -> bool:
        return self.spec_file is not None

    def resolve(self, method: str, path: str) -> RouteMatch:
        """The operation for ``method`` on ``path`` (relative to the system prefix)."""
        known_path = False
        for operation in self.operations:
            found = operation.pattern.match(path)
            if found is None:
                continue
            known_path = True
            if operation.method == method:
                resource_id = found.group(operation.id_param) if operation.id_param else None
                collection = operation.collection or found.group("collection")
                return RouteMatch(operation, collection=collection, resource_id=resource_id)
        if known_path:
            raise RouteError(405, f"{method} is not an operation with a body on this path")
        raise RouteError(404, "no such path in this system's VERA specification")


def _compile(template: str) -> tuple[re.Pattern[str], str | None]:
    names = _PARAM.findall(template)
    regex = ""
    position = 0
    for found in _PARAM.finditer(template):
        regex += re.escape(template[position : found.start()])
        regex += f"(?P<{_group_name(found.group(1))}>[^/]+)"
        position = found.end()
    regex += re.escape(template[position:])
    # The last path parameter names the resource (VERA paths have at most one).
    id_param = _group_name(names[-1]) if names else None
    return re.compile(f"^{regex}/?$"), id_param


def _group_name(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _collection(template: str) -> str:
    return template.strip("/").split("/", 1)[0]


def _relax_one_of(node: Any) -> Any:
    """A copy of ``node`` with every schema ``oneOf`` renamed ``anyOf`` (see module doc)."""
    if isinstance(node, dict):
        return {
            ("anyOf" if key == "oneOf" and isinstance(value, list) else key): _relax_one_of(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_relax_one_of(item) for item in node]
    return node


def _load_document(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        document = yaml.load(handle, Loader=loader)
    if not isinstance(document, dict) or "paths" not in document:
        raise ValueError(f"{path} is not an OpenAPI document")
    relaxed: dict[str, Any] = _relax_one_of(document)
    return relaxed


def _operations_from(document: Mapping[str, Any]) -> list[Operation]:
    components = document.get("components", {})
    operations: list[Operation] = []
    for template, item in document["paths"].items():
        pattern, id_param = _compile(template)
        for method in _BODY_METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            content = (operation.get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema")
            if schema is None:
                continue
            operations.append(
                Operation(
                    method=method.upper(),
                    template=template,
                    collection=_collection(template),
                    id_param=id_param,
                    pattern=pattern,
                    validator=BodyValidator(schema, components),
                )
            )
    return operations


def _permissive_operations() -> list[Operation]:
    """Without specs: any ``/{collection}`` and ``/{collection}/{id}``, nothing refused."""
    whole = re.compile(r"^/(?P<collection>[^/]+)/?$")
    item = re.compile(r"^/(?P<collection>[^/]+)/(?P<id>[^/]+)/?$")
    operations = [
        Operation(method, "/{collection}", "", None, whole, None)
        for method in ("POST", "PUT", "PATCH")
    ]
    operations += [
        Operation(method, "/{collection}/{id}", "", "id", item, None) for method in ("PUT", "PATCH")
    ]
    return operations


def load_systems(spec_dir: Path | None) -> dict[str, SystemRoutes]:
    """Every system's routes; with ``spec_dir`` None, permissive routes (no validation)."""
    if spec_dir is None:
        operations = _permissive_operations()
        return {name: SystemRoutes(name, None, operations) for name in SYSTEMS}
    cache: dict[str, list[Operation]] = {}
    systems: dict[str, SystemRoutes] = {}
    for name, spec_file in SYSTEMS.items():
        if spec_file not in cache:
            path = spec_dir / spec_file
            if not path.is_file():
                raise FileNotFoundError(f"VERA specification {spec_file} not found in {spec_dir}")
            cache[spec_file] = _operations_from(_load_document(path))
            log.info("loaded %s: %d operations with a body", spec_file, len(cache[spec_file]))
        systems[name] = SystemRoutes(name, spec_file, cache[spec_file])
    return systems
