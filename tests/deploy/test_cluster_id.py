"""The local broker's storage is formatted with any cluster id, one starting with '-' too.

Kafka's cluster id is 16 random bytes in URL-safe base64, so about one id in 64 starts
with '-'; passed as ``-t <id>`` the storage tool read such an id as an option and the
broker did not start (issue R13).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from devkit.local_kafka import LocalKafka, new_cluster_id


def test_generated_ids_are_kafka_uuids_and_always_passed_as_one_argument(tmp_path: Path) -> None:
    broker = LocalKafka(state_dir=tmp_path)
    ids = [new_cluster_id() for _ in range(5000)]
    assert len(set(ids)) == 5000
    assert any(cluster_id.startswith("-") for cluster_id in ids)  # the case R13 is about
    for cluster_id in ids:
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
        command = broker.format_command(cluster_id)
        assert f"--cluster-id={cluster_id}" in command
        assert cluster_id not in command  # never a separate argument a parser may misread


@pytest.mark.parametrize("cluster_id", ["-Zx9y3TRQm2Kc4v1pLW8bA", "--bxQ2c4v1pLW8bAZx9y3TR"])
def test_storage_formats_with_an_id_that_starts_with_a_dash(
    tmp_path: Path, cluster_id: str
) -> None:
    broker = LocalKafka(port=19998, controller_port=19999, state_dir=tmp_path)
    broker.install()

    broker.format_storage(cluster_id)

    meta = (broker.data_dir / "meta.properties").read_text()
    assert f"cluster.id={cluster_id}\n" in meta
