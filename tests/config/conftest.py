"""Running the ``ketenbus`` command on a configuration file, with a clean environment."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketenbus.cli import app
from tests.conftest import REPO_ROOT

KETENBUS = REPO_ROOT / ".venv" / "bin" / "ketenbus"
LOCAL_KAFKA_VARIABLES = {"KETENBUS_KAFKA_PORT", "KETENBUS_KAFKA_CONTROLLER_PORT"}


def clean_environment(secrets: Mapping[str, str] = {}) -> dict[str, str]:
    """This process's environment without any ketenbus setting, plus ``secrets``: no
    secret of the developer's shell leaks into what a test claims a process needs."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("KETENBUS_") or name in LOCAL_KAFKA_VARIABLES
    }
    return kept | dict(secrets)


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


Run = Callable[..., Outcome]


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "ketenbus.toml"
        path.write_text(text)
        return path

    return write


@pytest.fixture
def no_settings_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ketenbus setting from the developer's shell in this process."""
    for name in list(os.environ):
        if name.startswith("KETENBUS_") and name not in LOCAL_KAFKA_VARIABLES:
            monkeypatch.delenv(name)


@pytest.fixture
def run_cli(no_settings_in_environment: None) -> Run:
    """``ketenbus --config PATH ARGS...`` in this process (typer's runner): fast."""

    def run(path: Path, *args: str, secrets: Mapping[str, str] = {}) -> Outcome:
        result = CliRunner().invoke(app, ["--config", str(path), *args], env=dict(secrets))
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return run


def run_process(path: Path, *args: str, secrets: Mapping[str, str] = {}) -> Outcome:
    """``.venv/bin/ketenbus --config PATH ARGS...`` as a real process (exits by itself)."""
    done = subprocess.run(
        [str(KETENBUS), "--config", str(path), *args],
        env=clean_environment(secrets),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)
