"""The built wheel is the product alone: its five layers, none of the stand-ins.

The wheel is built by the project's own build backend (hatchling, pinned in
pyproject.toml, in the dev group too) exactly as ``uv build --wheel`` builds it, then
unpacked and imported in a fresh interpreter that cannot see the repository, so the
product's code runs from the wheel and ``devkit`` is not there to be imported.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = {"contracts", "kit", "connectors", "router", "ketenbus"}
STAND_INS = {"devkit", "reference_backoffice", "partner_simulators", "local_kafka", "demo"}
STAND_IN_DEPENDENCIES = {"ketenbus-devkit", "jsonschema", "openapi-schema-validator"}
DEV_COMMANDS = {"kafka", "demo", "backoffice", "simulators"}

BUILD = "import sys; from hatchling.build import build_wheel; print(build_wheel(sys.argv[1]))"

# Runs in the fresh interpreter: the repository off sys.path (the editable install puts
# it there), the unpacked wheel first; then every product module imported, and the
# console script's entry point loaded and asked for its commands.
IMPORT_FROM_WHEEL = """
import importlib, importlib.util, json, os, sys
import typer.main
repo, unpacked, entry_point = sys.argv[1:4]
sys.path[:] = [unpacked] + [p for p in sys.path if os.path.realpath(p or ".") != repo]
assert importlib.util.find_spec("devkit") is None, "devkit is importable"
modules = json.loads(sys.stdin.read())
for name in modules:
    module = importlib.import_module(name)
    assert module.__file__.startswith(unpacked), (name, module.__file__)
target, _, attribute = entry_point.partition(":")
app = getattr(importlib.import_module(target), attribute)
print(json.dumps(sorted(typer.main.get_command(app).commands)))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-c", BUILD, str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out / built.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _dist_info(wheel: Path, names: list[str], file: str) -> str:
    (path,) = [n for n in names if n.endswith(f".dist-info/{file}")]
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(path).decode()


def _console_scripts(wheel: Path, names: list[str]) -> dict[str, str]:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(_dist_info(wheel, names, "entry_points.txt"))
    return dict(entry_points["console_scripts"])


def test_the_wheel_holds_the_five_layers_and_no_stand_in(names: list[str]) -> None:
    packages = {PurePosixPath(n).parts[0] for n in names if ".dist-info/" not in n}
    assert packages == LAYERS
    stand_ins = [n for n in names if {PurePosixPath(p).stem for p in n.split("/")} & STAND_INS]
    assert stand_ins == []


def test_the_wheel_neither_needs_the_stand_ins_dependencies_nor_offers_their_command(
    wheel: Path, names: list[str]
) -> None:
    metadata = Parser().parsestr(_dist_info(wheel, names, "METADATA"))
    required = {
        re.split(r"[\s;=<>!~\[]", requirement, maxsplit=1)[0]
        for requirement in metadata.get_all("Requires-Dist") or []
    }
    assert "aiokafka" in required
    assert required.isdisjoint(STAND_IN_DEPENDENCIES)
    assert _console_scripts(wheel, names) == {"ketenbus": "ketenbus.cli:app"}


def test_the_product_imports_and_its_command_loads_without_the_development_kit(
    wheel: Path, names: list[str], tmp_path: Path
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    modules = sorted(
        ".".join(PurePosixPath(n).with_suffix("").parts).removesuffix(".__init__")
        for n in names
        if n.endswith(".py") and not n.endswith("__main__.py")
    )
    unpacked = str(tmp_path.resolve())
    entry_point = _console_scripts(wheel, names)["ketenbus"]
    result = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_FROM_WHEEL, str(REPO), unpacked, entry_point],
        cwd=tmp_path,
        input=json.dumps(modules),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    commands = set(json.loads(result.stdout))
    assert {"webhook", "ingress", "translate", "route", "outbound"} <= commands
    assert commands.isdisjoint(DEV_COMMANDS)
