"""Fixtures for the reference back office tests: one real server per test module.

The VERA specs are read from ``shared/vera`` beside the repository folder, where CI
puts its copy of ``shared/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from ketenbus.reference_backoffice import BackOfficeServer

from .helpers import API_KEYS, SPEC_DIR


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    if not (SPEC_DIR / "OHD.yaml").is_file() or not (SPEC_DIR / "BRG.yaml").is_file():
        pytest.fail(f"the VERA specifications are not at {SPEC_DIR}")
    return SPEC_DIR


@pytest_asyncio.fixture(scope="module")
async def backoffice(spec_dir: Path) -> AsyncIterator[BackOfficeServer]:
    async with BackOfficeServer(spec_dir, API_KEYS) as server:
        yield server


@pytest_asyncio.fixture
async def server(backoffice: BackOfficeServer) -> AsyncIterator[BackOfficeServer]:
    """The module's server with a clean state for this test."""
    backoffice.state.reset()
    yield backoffice
    backoffice.state.reset()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client
