"""The partner simulators on loopback, and events of the sample work orders."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.outbound import workorder_event
from contracts import CanonicalEvent
from devkit.partner_simulators import PartnerSimulators
from kit.delivery.retry import RetryPolicy
from tests.connectors.outbound.samples import PARTNERS, workorder

FAST = RetryPolicy(max_attempts=4, first_wait=0.02, max_wait=0.1, max_elapsed=10)


@pytest.fixture
async def sims() -> AsyncIterator[PartnerSimulators]:
    async with PartnerSimulators() as started:
        yield started


def sample_event(name: str) -> CanonicalEvent:
    return workorder_event(workorder(name), partners=PARTNERS)
