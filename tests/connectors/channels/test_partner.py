"""Partner configuration of the webhook channel and its key extraction."""

from __future__ import annotations

import pytest

from connectors.channels.webhook import WebhookPartner, json_key

KEY = json_key("opdrachtnummer")


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b'{"opdrachtnummer": "WO-2026-0042", "x": 1}', b"WO-2026-0042"),
        (b'{"opdrachtnummer": "W\\u00d6-1"}', "WÖ-1".encode()),
        (b'{"opdrachtnummer": 42}', None),
        (b'{"opdrachtnummer": ""}', None),
        (b'{"opdrachtnummer": null}', None),
        (b'{"other": "WO-1"}', None),
        (b'["WO-1"]', None),
        (b"not json", None),
        (b"\xff\xfe", None),
        (b"", None),
        (b"[" * 5000 + b"]" * 5000, None),
    ],
)
def test_json_key_never_raises(body: bytes, key: bytes | None) -> None:
    assert KEY(body) == key


def test_partner_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        WebhookPartner(partner_id="maasdal", signature_header="X-Sig", secrets=())
    with pytest.raises(ValueError, match="secret"):
        WebhookPartner(partner_id="maasdal", signature_header="X-Sig", secrets=("",))
    with pytest.raises(TypeError):
        WebhookPartner(partner_id="maasdal", signature_header="X-Sig", secrets="s3cret")  # type: ignore[arg-type]


@pytest.mark.parametrize("partner_id", ["", "Maasdal", "maas dal", "../x", "a" * 65])
def test_partner_id_must_be_safe_for_paths_and_topics(partner_id: str) -> None:
    with pytest.raises(ValueError, match="partner id"):
        WebhookPartner(partner_id=partner_id, signature_header="X-Sig", secrets=("s",))


def test_partner_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        WebhookPartner(partner_id="p", signature_header="X-Sig", secrets=("s",), max_body_bytes=0)


def test_app_refuses_a_partner_filed_under_another_id() -> None:
    from connectors.channels import RawWriter
    from connectors.channels.webhook import create_webhook_app
    from contracts.kafka import KafkaSettings

    partner = WebhookPartner(partner_id="maasdal", signature_header="X-Sig", secrets=("s",))
    with pytest.raises(ValueError, match="configured under"):
        create_webhook_app({"other": partner}, RawWriter(KafkaSettings()))
