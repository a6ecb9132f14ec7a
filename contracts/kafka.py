"""How every ketenbus process reaches Kafka."""

from __future__ import annotations

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
