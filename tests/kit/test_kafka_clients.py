"""Every Kafka client of ketenbus is made in one place (kit/kafka/clients.py).

What every client needs from the configuration (the cluster, a client id naming the
stage, later TLS and SASL) is set there once; a module that built its own client would
quietly miss it. The benchmark's bare-aiokafka baselines and the tests are outside the
product and may build their own.
"""

from __future__ import annotations

import ast
from pathlib import Path

from contracts import KafkaSettings
from kit.kafka import clients

REPO = Path(__file__).resolve().parents[2]
PRODUCT = ("contracts", "kit", "connectors", "router", "ketenbus")
CLIENTS = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"}
FACTORY = REPO / "kit" / "kafka" / "clients.py"


def _constructions(path: Path) -> list[tuple[int, str]]:
    """(line, class) of every call that builds an aiokafka client in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in CLIENTS:
                found.append((node.lineno, name))
    return found


def test_no_module_but_the_factory_constructs_an_aiokafka_client() -> None:
    sources = [path for package in PRODUCT for path in sorted((REPO / package).rglob("*.py"))]
    assert len(sources) > 100
    elsewhere = [
        (str(path.relative_to(REPO)), *hit)
        for path in sources
        if path != FACTORY
        for hit in _constructions(path)
    ]
    assert elsewhere == []
    assert [name for _, name in _constructions(FACTORY)] == sorted(CLIENTS, reverse=True)


def test_the_walk_finds_a_construction(tmp_path: Path) -> None:
    module = tmp_path / "stage.py"
    module.write_text("import aiokafka\np = aiokafka.AIOKafkaProducer(bootstrap_servers='x')\n")
    assert _constructions(module) == [(2, "AIOKafkaProducer")]


KAFKA = KafkaSettings(bootstrap_servers="kafka-1:9092,kafka-2:9092", client_id="kb")


async def test_every_client_gets_the_cluster_and_a_client_id_naming_its_stage() -> None:
    producer = clients.producer(KAFKA, "translator", transactional_id="kb-translator-0")
    consumer = clients.consumer(KAFKA, "t", client="router-onderhoud", group_id="g")
    admin = clients.admin(KAFKA)
    assert producer.client._bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert producer.client._client_id == "kb-translator"
    assert producer._txn_manager.transactional_id == "kb-translator-0"
    assert consumer._client._client_id == "kb-router-onderhoud"
    assert consumer._client._bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert consumer._isolation_level == "read_committed"
    assert admin._client._client_id == "kb-admin"
