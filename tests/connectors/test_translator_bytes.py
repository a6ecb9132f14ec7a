"""What the translator writes, pinned byte for byte: key, value and every header.

Canonical records are a public contract (the router, the data warehouse and any later
reader depend on them), and the translator's hot path is tuned for speed (cached
header names, adapters that skip work). This test holds every output record of every
partner sample (``connectors/<partner>/samples``, each Roerdal mutatie on its own as
the poller stores it, and each first sample again with a trace context) to the
bytes the translator wrote before that tuning, through ``Translator._translate``: the
same step the Kafka loop runs.

The expected records live in ``translator_golden.json`` together with the raw bodies
they came from, so a change of a sample file does not move the pins. Regenerate
(``python -m tests.connectors.test_translator_bytes``) only for an intended change of
the canonical format, and say so in the commit.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from connectors.registry import partners
from connectors.translator import Translator
from contracts import KafkaSettings, RawMessage
from tests.connectors.raw_records import consumed

GOLDEN = Path(__file__).with_name("translator_golden.json")
KAFKA = KafkaSettings(topic_prefix="golden.")
RECEIVED_AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
_CHANNELS = {"maasdal": "webhook", "heuvelland": "file", "gulpdal": "file", "roerdal": "poll"}
_CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml", ".csv": "text/csv"}


def _consumer_record(raw: RawMessage, offset: int) -> ConsumerRecord[bytes, bytes]:
    return consumed(raw, KAFKA.topics.raw(raw.partner), partition=0, offset=offset)


def _raw(case: dict[str, Any]) -> RawMessage:
    return RawMessage(
        partner=case["partner"],
        channel=_CHANNELS[case["partner"]],
        body=base64.b64decode(case["body"]),
        received_at=RECEIVED_AT,
        content_type=case["content_type"],
        origin=case["origin"],
        traceparent=case["traceparent"],
    )


def _outputs(case: dict[str, Any]) -> list[dict[str, Any]]:
    partner = case["partner"]
    translator = Translator(KAFKA, {partner: partners()[partner].inbound})
    return [
        {
            "topic": output.topic,
            "key": None if output.record.key is None else output.record.key.decode(),
            "value": output.record.value.decode(),
            "headers": [[name, value.decode()] for name, value in output.record.headers],
        }
        for output in translator.translate(_consumer_record(_raw(case), offset=7)).outputs
    ]


def _cases() -> list[dict[str, Any]]:
    if not GOLDEN.exists():  # only while regenerating
        return []
    return list(json.loads(GOLDEN.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case["name"])
def test_every_output_record_is_byte_identical(case: dict[str, Any]) -> None:
    assert _outputs(case) == case["outputs"]


def test_the_pins_cover_every_partner_both_topics_and_a_trace_context() -> None:
    cases = _cases()
    assert {case["partner"] for case in cases} == set(_CHANNELS)
    outputs = [output for case in cases for output in case["outputs"]]
    assert {output["topic"] for output in outputs} == {KAFKA.topics.orders, KAFKA.topics.signals}
    assert all(output["topic"] != KAFKA.topics.deadletter("translate") for output in outputs)
    traced = [case for case in cases if case["traceparent"]]
    assert {case["partner"] for case in traced} == set(_CHANNELS)
    assert all(
        ["ce_traceparent", TRACEPARENT] in output["headers"]
        for case in traced
        for output in case["outputs"]
    )


def test_one_maasdal_record_spelled_out() -> None:
    """One record in full, so a reader sees what is pinned without opening the JSON."""
    (case,) = [case for case in _cases() if case["name"] == "maasdal/11-status-acc.json"]
    (output,) = case["outputs"]
    assert output["key"] == "WL-2026-005102"
    assert [name for name, _ in output["headers"]] == [
        "content-type",
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_subject",
        "ce_time",
        "ce_dataschema",
        "ce_owner",
        "ce_producer",
        "ce_classification",
        "ce_purpose",
        "ce_retention",
    ]
    assert _outputs(case) == [output]


# --- regenerating the pins (an intended change of the canonical format only) ---------


def _sample_bodies() -> list[tuple[str, str, str, bytes]]:
    """(partner, name, origin, body) of every sample, Roerdal pages split into mutaties."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for partner in sorted(_CHANNELS):
        for path in sorted((root / "connectors" / partner / "samples").glob("*")):
            body = path.read_bytes()
            if partner == "roerdal":
                for n, item in enumerate(json.loads(body)["mutaties"]):
                    item_body = json.dumps(item, ensure_ascii=False).encode()
                    found.append((partner, f"{path.name}[{n}]", path.name, item_body))
            else:
                found.append((partner, path.name, path.name, body))
    return found


def _write_golden() -> None:
    cases: list[dict[str, Any]] = []
    traced: set[str] = set()
    for partner, name, origin, body in _sample_bodies():
        for traceparent in (None, TRACEPARENT):
            if traceparent and partner in traced:
                continue
            case = {
                "name": f"{partner}/{name}" + (" traced" if traceparent else ""),
                "partner": partner,
                "origin": origin,
                "content_type": _CONTENT_TYPES[Path(origin).suffix],
                "traceparent": traceparent,
                "body": base64.b64encode(body).decode(),
            }
            case["outputs"] = _outputs(case)
            cases.append(case)
            if traceparent:
                traced.add(partner)
    GOLDEN.write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_golden()
