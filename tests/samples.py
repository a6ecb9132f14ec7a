"""The partners' shared samples (shared/partners/samples beside the repository)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from contracts import RawMessage

SHARED_SAMPLES = (Path(__file__).resolve().parents[2] / "shared" / "partners" / "samples").resolve()


def shared_sample(partner: str, name: str) -> bytes:
    path = SHARED_SAMPLES / partner / name
    assert path.exists(), f"shared sample missing: {path}"
    return path.read_bytes()


def raw(partner: str, body: bytes, channel: str = "webhook") -> RawMessage:
    return RawMessage(
        partner=partner,
        channel=channel,
        body=body,
        received_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
        content_type="application/json",
    )
