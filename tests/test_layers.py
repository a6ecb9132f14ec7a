"""The folder layout is the architecture: each layer imports only the layers below it.

contracts          the pure contract (no Kafka client)
kit                the Kafka floor and the delivery kit, on the contract
connectors, router the stages: siblings, each on kit and contracts
ketenbus           the program: configuration, processes, operations
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PRODUCT = {"contracts", "kit", "connectors", "router", "ketenbus"}
FIRST_PARTY = PRODUCT | {"devkit"}
MAY_IMPORT = {
    "contracts": {"contracts"},
    "kit": {"contracts", "kit"},
    "connectors": {"contracts", "kit", "connectors"},
    "router": {"contracts", "kit", "router"},
    "ketenbus": PRODUCT,
    "devkit": FIRST_PARTY,
}


def _imported_packages(path: Path) -> set[str]:
    """The first-party top-level packages ``path`` imports (also inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & FIRST_PARTY
    return found


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    modules = sorted((REPO / layer).rglob("*.py"))
    assert modules
    wrong = {
        str(path.relative_to(REPO)): sorted(extra)
        for path in modules
        if (extra := _imported_packages(path) - MAY_IMPORT[layer])
    }
    assert wrong == {}


def test_the_walk_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from router.registry import DESTINATIONS\n")
    assert _imported_packages(module) == {"router"}


def test_the_walk_sees_an_import_of_the_development_kit(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import devkit.local_kafka\n")
    assert _imported_packages(module) == {"devkit"}
