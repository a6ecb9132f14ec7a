"""The one place that makes ketenbus's Kafka clients from its settings.

Every producer, consumer and admin client is built here, so what each of them needs
from the configuration (the cluster's address, a client id that names the stage, and
later the TLS and SASL options) is set once, and a test keeps it so
(``tests/kit/test_kafka_clients.py``). The callers pass only what is their own:
a transactional id, a group, record size limits, fetch tuning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient

    from contracts.kafka import KafkaSettings


TRANSACTION_RETRY_SECONDS = 0.002
"""How soon a transactional producer asks again when the broker is still writing the
markers of its previous transaction (CONCURRENT_TRANSACTIONS, KAFKA-5477)."""


def retry_transactions_sooner() -> None:
    """aiokafka waits 20 ms before it asks again, so at a steady 200 messages a second
    most transactions waited 20 ms for markers written in about one: the translator's
    p99 from raw to canonical went from 83 ms to 20 ms with 2 ms (docs/performance.md).
    The constant is module state of aiokafka, read on every retry; set when the first
    transactional producer is made (not on import: ``import contracts`` loads no Kafka
    client), and a test pins it, so an aiokafka release without it fails loudly."""
    from aiokafka.producer import sender

    sender.BACKOFF_OVERRIDE = TRANSACTION_RETRY_SECONDS


def producer(
    kafka: KafkaSettings, client: str, *, transactional_id: str | None = None, **options: Any
) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica (``acks=all``): a
    partner hears "stored", and an offset is committed, only after a durable write."""
    from aiokafka import AIOKafkaProducer

    if transactional_id is not None:
        retry_transactions_sooner()
    return AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=f"{kafka.client_id}-{client}",
        transactional_id=transactional_id,
        enable_idempotence=True,
        acks="all",
        **options,
    )


def consumer(kafka: KafkaSettings, *topics: str, client: str, **options: Any) -> AIOKafkaConsumer:
    """A consumer that sees committed transactions only and never commits by itself:
    every ketenbus stage commits its offsets with its transaction or after its work."""
    from aiokafka import AIOKafkaConsumer

    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=f"{kafka.client_id}-{client}",
        enable_auto_commit=False,
        isolation_level="read_committed",
        **options,
    )


def admin(kafka: KafkaSettings) -> AIOKafkaAdminClient:
    """An admin client (topics, configs, coordinators)."""
    from aiokafka.admin import AIOKafkaAdminClient

    return AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers, client_id=f"{kafka.client_id}-admin"
    )
