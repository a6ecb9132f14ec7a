"""The partners' sample messages, kept with each adapter (connectors/<partner>/samples)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from contracts import RawMessage

CONNECTORS = Path(__file__).resolve().parents[1] / "connectors"


def samples_dir(partner: str) -> Path:
    return CONNECTORS / partner / "samples"


def partner_sample(partner: str, name: str) -> bytes:
    path = samples_dir(partner) / name
    assert path.exists(), f"partner sample missing: {path}"
    return path.read_bytes()


def raw(partner: str, body: bytes, channel: str = "webhook") -> RawMessage:
    return RawMessage(
        partner=partner,
        channel=channel,
        body=body,
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        content_type="application/json",
    )
