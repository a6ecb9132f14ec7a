"""Fixtures for the tests that run real ``ketenbus`` processes against the local broker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.local_kafka import LocalKafka


@pytest.fixture
def broker(local_kafka: LocalKafka) -> Iterator[LocalKafka]:
    """The session's broker, which the test may stop and start: running again afterwards."""
    try:
        yield local_kafka
    finally:
        local_kafka.start()
