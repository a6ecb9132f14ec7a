"""How every ketenbus process reaches Kafka."""

from __future__ import annotations

import contextlib

from pydantic import BaseModel, ConfigDict

from contracts.topics import Topics


class KafkaSettings(BaseModel):
    """Connection to the cluster; the same for connectors and router."""

    model_config = ConfigDict(frozen=True)

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


async def ensure_topics(
    settings: KafkaSettings, names: list[str], config: dict[str, str] | None = None
) -> None:
    """Create the topics that do not exist yet (consumers cannot subscribe to missing ones)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
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
