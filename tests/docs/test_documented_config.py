"""Every configuration the docs show is one ketenbus accepts.

A user writes a config from README.md and docs/ alone; each ```toml block there is
loaded as a whole configuration file (with the secrets the docs say to set in the
environment, for the sections the block configures), so a documented key that does
not exist, or a value of the wrong type, fails here instead of at the user's start.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ketenbus.config import load_settings

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
TOML_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.MULTILINE | re.DOTALL)
SECRETS = {
    "KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": '["a-webhook-secret"]',
    "KETENBUS_PARTNERS__MAASDAL__API_TOKEN": "a-maasdal-token",
    "KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET": "a-roerdal-secret",
    "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": "an-onderhoud-key",
    "KETENBUS_DESTINATIONS__FINANCIEN__API_KEY": "a-financien-key",
    "KETENBUS_DESTINATIONS__RELATIES__API_KEY": "a-relaties-key",
    "KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY": "a-pseudonym-key-of-32-characters!",
}


def _blocks() -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(REPO)}#{n}", block)
        for path in DOCUMENTS
        for n, block in enumerate(TOML_BLOCK.findall(path.read_text(encoding="utf-8")), 1)
    ]


def test_the_docs_show_configurations() -> None:
    where = {name.split("#")[0] for name, _ in _blocks()}
    assert {"README.md", "docs/router.md", "docs/channels/file-inbox.md"} <= where


@pytest.mark.parametrize(("where", "block"), _blocks(), ids=[name for name, _ in _blocks()])
def test_a_documented_configuration_is_accepted(
    where: str, block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sections = set(re.findall(r"^\[(partners|destinations)\.(\w+)", block, re.MULTILINE))
    for kind, name in sections:
        prefix = f"KETENBUS_{kind}__{name}__".upper()
        for variable, value in SECRETS.items():
            if variable.startswith(prefix):
                monkeypatch.setenv(variable, value)
    config = tmp_path / "ketenbus.toml"
    config.write_text(block, encoding="utf-8")
    settings = load_settings(config)
    for kind, name in sections:
        assert name in getattr(settings, kind), f"{where}: [{kind}.{name}] was not read"
