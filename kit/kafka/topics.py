"""Creating ketenbus's topics, and deleting a run's own."""

from __future__ import annotations

import contextlib

from contracts.kafka import KafkaSettings
from kit.kafka import clients

TOPIC_READY_SECONDS = 30.0
"""How long ``ensure_topics`` waits for new topics' leaders before it goes on (warning)."""


async def ensure_topics(
    settings: KafkaSettings, names: list[str], config: dict[str, str] | None = None
) -> None:
    """Create the topics that do not exist yet (consumers cannot subscribe to missing ones)."""
    from aiokafka.admin import NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = clients.admin(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if not missing:
            return
        new_topics = [
            NewTopic(name, settings.partitions, settings.replication_factor, topic_configs=config)
            for name in missing
        ]
        # Another process may have created one in the meantime: that is fine.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new_topics)
    finally:
        await admin.close()
    # CreateTopics returns when the controller has the topic, before every broker's
    # metadata does: a consumer that subscribed in between saw "not found in cluster
    # metadata" and no partitions of it until its next metadata refresh, five minutes
    # later (a router started together with the first translator on a busy machine).
    from kit.kafka.ready import wait_until_usable

    await wait_until_usable(settings, missing, within=TOPIC_READY_SECONDS)


async def ensure_copartitioned(
    settings: KafkaSettings, pairs: dict[str, str], config: dict[str, str] | None = None
) -> None:
    """Make each state topic (a value of ``pairs``) have at least the partitions of its
    source topic (its key, which must exist): the state of source partition *p* is kept
    in partition *p*, like Kafka Streams' changelogs. A missing one is created with the
    source's count; one with fewer gets partitions added (empty, as the source's new
    partitions have no history). A state topic's existing configuration is left alone."""
    from aiokafka.admin import NewPartitions, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = clients.admin(settings)
    await admin.start()
    try:
        existing = set(await admin.list_topics()) & {*pairs, *pairs.values()}
        described = {
            topic["topic"]: len(topic["partitions"])
            for topic in await admin.describe_topics(sorted(existing))
        }
        missing = [
            NewTopic(state, described[source], settings.replication_factor, topic_configs=config)
            for source, state in pairs.items()
            if state not in described
        ]
        fewer = {
            state: NewPartitions(described[source])
            for source, state in pairs.items()
            if state in described and described[state] < described[source]
        }
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        if fewer:
            await admin.create_partitions(fewer)
    finally:
        await admin.close()
    if missing:
        from kit.kafka.ready import wait_until_usable

        await wait_until_usable(
            settings, [topic.name for topic in missing], within=TOPIC_READY_SECONDS
        )


async def delete_prefixed_topics(settings: KafkaSettings) -> list[str]:
    """Delete every topic named with ``settings.topic_prefix`` (a run's own topics: the
    demo's, the benchmark's) and nothing else; returns their names."""
    if not settings.topic_prefix:
        raise ValueError("no topic prefix: that would be every topic of the cluster")
    admin = clients.admin(settings)
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(settings.topic_prefix)]
        if names:
            await admin.delete_topics(names)
        return names
    finally:
        await admin.close()
