"""Which outbound workers a configuration gets: one per partner whose channel is set up."""

from __future__ import annotations

from connectors.outbound.runtime import outbound_workers
from contracts import KafkaSettings
from ketenbus.config import KetenbusSettings


def test_only_partners_with_a_configured_outbound_channel_get_a_worker() -> None:
    settings = KetenbusSettings(
        partners={
            "maasdal": {"api_base_url": "http://127.0.0.1:9", "api_token": "t"},
            "roerdal": {},  # orders reach Roerdal through the corporation's portal
            "gulpdal": {},
        }
    )
    workers = outbound_workers(KafkaSettings(topic_prefix="x."), settings.partners)
    assert [(w.partner, w.group_id, w.deadletter_topic) for w in workers] == [
        ("maasdal", "x.ketenbus-outbound-maasdal", "x.keten.deadletter.outbound-maasdal")
    ]


def test_maasdal_without_its_api_gets_no_worker() -> None:
    settings = KetenbusSettings(partners={"maasdal": {}})
    assert outbound_workers(KafkaSettings(), settings.partners) == []
