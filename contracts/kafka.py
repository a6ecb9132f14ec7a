"""How every ketenbus process reaches Kafka."""

from __future__ import annotations

from pydantic import Field

from contracts.settings import SettingsModel
from contracts.topics import Topics


class KafkaSettings(SettingsModel):
    """Connection to the cluster; the same for connectors and router."""

    bootstrap_servers: str = "127.0.0.1:19092"
    topic_prefix: str = ""
    client_id: str = "ketenbus"
    partitions: int = Field(
        default=6,
        ge=1,
        description="Partitions of the topics ketenbus creates: the most instances any "
        "stage can run in (docs/architecture.md, Scaling out).",
    )
    replication_factor: int = Field(
        default=1, ge=1, description="Replicas of the topics it creates; 3 in production."
    )

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)


RAW_TOPIC_CONFIG = {"max.message.bytes": str(2 * 1024 * 1024)}
"""A raw record is a partner body (up to 1 MiB, maybe incompressible) plus headers: more
than Kafka's default limit of 1 MiB per record batch."""
