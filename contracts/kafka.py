"""How every ketenbus process reaches Kafka."""

from __future__ import annotations

import contextlib

from contracts import kafka_clients
from contracts.settings import SettingsModel
from contracts.topics import Topics


class KafkaSettings(SettingsModel):
    """Connection to the cluster; the same for connectors and router."""

    bootstrap_servers: str = "127.0.0.1:19092"
    topic_prefix: str = ""
    client_id: str = "ketenbus"
    # Used when ketenbus creates its own topics; a production cluster wants 3 replicas.
    partitions: int = 3
    replication_factor: int = 1

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)


RAW_TOPIC_CONFIG = {"max.message.bytes": str(2 * 1024 * 1024)}
"""A raw record is a partner body (up to 1 MiB, maybe incompressible) plus headers: more
than Kafka's default limit of 1 MiB per record batch."""


TOPIC_READY_SECONDS = 30.0
"""How long ``ensure_topics`` waits for new topics' leaders before it goes on (warning)."""


async def ensure_topics(
    settings: KafkaSettings, names: list[str], config: dict[str, str] | None = None
) -> None:
    """Create the topics that do not exist yet (consumers cannot subscribe to missing ones)."""
    from aiokafka.admin import NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = kafka_clients.admin(settings)
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
    from contracts.kafka_ready import wait_until_usable

    await wait_until_usable(settings, missing, within=TOPIC_READY_SECONDS)


async def delete_prefixed_topics(settings: KafkaSettings) -> list[str]:
    """Delete every topic named with ``settings.topic_prefix`` (a run's own topics: the
    demo's, the benchmark's) and nothing else; returns their names."""
    if not settings.topic_prefix:
        raise ValueError("no topic prefix: that would be every topic of the cluster")
    admin = kafka_clients.admin(settings)
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(settings.topic_prefix)]
        if names:
            await admin.delete_topics(names)
        return names
    finally:
        await admin.close()
