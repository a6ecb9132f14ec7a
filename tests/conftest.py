"""Fixtures shared by the whole suite: the real local Kafka and the VERA specs.

The broker is the project's own (``ketenbus-dev kafka start``): started once per test
session if it is not running, stopped at the end only if this session started it.
Each test gets its own topic prefix, so tests never read each other's records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import hypothesis  # noqa: F401 - see below
import pytest

from contracts.kafka import KafkaSettings
from contracts.vera import SPECS_DIR
from devkit.local_kafka import LocalKafka

REPO_ROOT = Path(__file__).resolve().parent.parent

# Imported now, not by hypothesis's plugin at the session's end: there, pytest rewrites
# its modules while the garbage of a whole run is collected, and CPython 3.11.7 can fail
# that with "SystemError: AST constructor recursion depth mismatch" (a finalizer run by
# the collector in the middle of building a module's AST), after every test passed.


@pytest.fixture(scope="session")
def local_kafka() -> Iterator[LocalKafka]:
    broker = LocalKafka.from_env()
    already_running = broker.pid() is not None and broker.is_ready()
    broker.start()
    yield broker
    if not already_running:
        broker.stop()


@pytest.fixture
def kafka(local_kafka: LocalKafka) -> KafkaSettings:
    """Kafka settings with a topic prefix of this test's own."""
    return KafkaSettings(
        bootstrap_servers=local_kafka.bootstrap_servers,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        partitions=3,  # fewer than the default: quicker to create, still more than one
    )


@pytest.fixture(scope="session")
def vera_specs() -> Path:
    """The VERA OpenAPI specifications and reference data (``contracts/vera``)."""
    return SPECS_DIR
