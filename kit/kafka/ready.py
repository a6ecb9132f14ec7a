"""Wait, before a stage's clients start, until Kafka can serve what they will ask for.

On a new cluster, or for topics created a moment ago, a client that starts at once
asks too early, and aiokafka logs each early answer as an ERROR although it retries
and succeeds: "Topic ... not found in cluster metadata" for a topic whose creation
the broker has not yet spread to its metadata (and the group's first assignment then
leaves its partitions out), "Group Coordinator Request failed:
GroupCoordinatorNotAvailableError" while the broker creates ``__consumer_offsets``
on the first group's first request, the same for a transactional id and
``__transaction_state``. A first start is not an error, so the worker asks the broker
itself, through the admin client (which logs none of it), until the topics have
leaders and the coordinators are found. ``ensure_topics`` waits the same way for the
topics it has just created.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, for_code

from kit.kafka import clients

if TYPE_CHECKING:
    from contracts.kafka import KafkaSettings

log = logging.getLogger(__name__)

GROUP, TRANSACTION = 0, 1
"""FindCoordinator's key types."""

RETRY_SECONDS = 0.05


async def wait_until_usable(
    kafka: KafkaSettings,
    topics: list[str],
    *,
    group_id: str | None = None,
    transactional_id: str | None = None,
    within: float = 60.0,
) -> None:
    """Return once every topic has a leader for each partition and the group's (and the
    transactional id's) coordinator is known, or after ``within`` seconds with one
    warning (the clients then wait and retry on their own, as they always do)."""
    deadline = time.monotonic() + within
    admin = clients.admin(kafka)
    await admin.start()
    try:
        waiting = "topics " + ", ".join(sorted(topics))
        while not await _have_leaders(admin, topics):
            if not await _retry_until(deadline, waiting):
                return
        for key, kind in ((group_id, GROUP), (transactional_id, TRANSACTION)):
            while key is not None and not await _coordinator_found(admin, key, kind):
                if not await _retry_until(deadline, f"the coordinator of {key}"):
                    return
    finally:
        await admin.close()


async def _have_leaders(admin: AIOKafkaAdminClient, topics: list[str]) -> bool:
    described = await admin.describe_topics(topics)
    found = {
        topic["topic"]
        for topic in described
        if topic["error_code"] == 0
        and topic["partitions"]
        and all(partition["leader"] >= 0 for partition in topic["partitions"])
    }
    return found >= set(topics)


async def _coordinator_found(admin: AIOKafkaAdminClient, key: str, kind: int) -> bool:
    """Whether the coordinator is known and, for a group, has loaded its offsets
    partition (a group joining a coordinator still loading it is told "not
    coordinator", and aiokafka warns that it marks the coordinator dead)."""
    try:
        node = await admin.find_coordinator(key, kind)
        if kind == GROUP:
            (described,) = await admin.describe_consumer_groups([key], group_coordinator_id=node)
            for group in described.to_object()["groups"]:
                if group["error_code"]:
                    raise for_code(group["error_code"])()
    except KafkaError as exc:
        if not exc.retriable:
            raise
        return False
    return True


async def _retry_until(deadline: float, waiting: str) -> bool:
    """Wait a moment and say True, or say False (with a warning) once past ``deadline``."""
    if time.monotonic() >= deadline:
        log.warning("Kafka did not have %s ready in time; starting anyway", waiting)
        return False
    await asyncio.sleep(RETRY_SECONDS)
    return True
