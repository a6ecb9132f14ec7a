"""Fixtures for the reference back office tests: one real server per test module.

The VERA specs are the repository's own (``contracts/vera``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from devkit.reference_backoffice import BackOfficeServer

from .helpers import API_KEYS


@pytest_asyncio.fixture(scope="module")
async def backoffice(vera_specs: Path) -> AsyncIterator[BackOfficeServer]:
    async with BackOfficeServer(vera_specs, API_KEYS) as server:
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
