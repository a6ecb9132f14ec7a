"""The benchmark's Kafka Streams peer builds, and maps Maasdal as ketenbus does.

The peer (``bench/streams-peer/``) is only a fair comparison if it does the same work
per message: the same checks, the same fact JSON, the same CloudEvents headers. Its
``map`` mode runs the mapping its Streams processor runs, without Kafka, over files;
every Maasdal sample must come out as the Python adapter's record (key, value, the
headers in order), and a message the adapter refuses must be a dead letter. The
``bench`` package itself needs the benchmark's dependency group, so this builds the
Maven project directly, with the command ``bench/streams_peer.py`` runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.registry import partners
from contracts import RawMessage

REPO = Path(__file__).resolve().parents[2]
POM = REPO / "bench" / "streams-peer" / "pom.xml"
OUT = REPO / ".cache" / "bench" / "streams-peer"
SAMPLES = REPO / "connectors" / "maasdal" / "samples"
MAIN_CLASS = "nl.ketenbus.bench.streamspeer.StreamsPeer"


@pytest.fixture(scope="module")
def peer_classpath() -> str:
    mvn = shutil.which("mvn")
    assert mvn is not None, "Maven is needed (README: Java 17+ and Maven)"
    subprocess.run(
        [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM), "package"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return f"{OUT / 'streams-peer.jar'}:{OUT / 'libs'}/*"


def _python_record(body: bytes, name: str) -> tuple[str, dict[str, object], list[list[str]]]:
    raw = RawMessage(
        partner="maasdal",
        channel="webhook",
        body=body,
        received_at=datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
        content_type="application/json",
        origin=name,
    )
    (event,) = partners()["maasdal"].inbound(raw)
    record = event.to_kafka()
    assert record.key is not None
    headers = [[name, value.decode()] for name, value in record.headers]
    return record.key.decode(), json.loads(record.value), headers


def test_the_peer_maps_every_maasdal_sample_as_the_adapter_does(
    peer_classpath: str, tmp_path: Path
) -> None:
    samples = sorted(SAMPLES.glob("*.json"))
    refused = tmp_path / "refused.json"  # an order number outside WL-YYYY-NNNNNN
    refused.write_bytes(samples[0].read_bytes().replace(b'"WL-2026-', b'"WL-26-'))
    result = subprocess.run(
        ["java", "-cp", peer_classpath, MAIN_CLASS, "map", *map(str, [*samples, refused])],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [path.name for path in [*samples, refused]]
    for path, line in zip(samples, lines, strict=False):
        key, value, headers = _python_record(path.read_bytes(), path.name)
        signal = value.get("category") is not None
        assert line["target"] == ("signals" if signal else "orders"), path.name
        assert (line["key"], line["value"], line["headers"]) == (key, value, headers), path.name
    dead = lines[-1]
    assert dead["target"] == "deadletter"
    assert dead["value"] == refused.read_text()
    context = dict(dead["headers"])
    assert context["__connect.errors.stage"] == "translate"
    assert context["kb_partner"] == "maasdal"  # the raw record's own headers stay on it
