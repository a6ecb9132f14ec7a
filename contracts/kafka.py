"""How every ketenbus process reaches Kafka."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from contracts.topics import Topics


class KafkaSettings(BaseModel):
    """Connection to the cluster; the same for connectors and router."""

    model_config = ConfigDict(frozen=True)

    bootstrap_servers: str = "127.0.0.1:19092"
    topic_prefix: str = ""
    client_id: str = "ketenbus"

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)
