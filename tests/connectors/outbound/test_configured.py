"""Which partners get an outbound worker follows from the configuration alone."""

from __future__ import annotations

from pathlib import Path

from connectors.heuvelland.outbound import HeuvellandOutbound
from connectors.maasdal.outbound import MaasdalOutbound
from connectors.outbound.runtime import outbound_workers
from contracts import KafkaSettings
from ketenbus.config import KetenbusSettings


def test_an_outbox_or_an_api_in_the_settings_switches_a_partner_on(tmp_path: Path) -> None:
    settings = KetenbusSettings(
        partners={
            "heuvelland": {"outbox_dir": str(tmp_path), "outbound_retry": {"max_attempts": 2}},
            "maasdal": {"api_base_url": "http://127.0.0.1:9", "api_token": "token"},
            "gulpdal": {},
        }
    )
    workers = outbound_workers(KafkaSettings(), settings.partners)
    channels = {worker.partner: worker.channel for worker in workers}
    assert sorted(channels) == ["heuvelland", "maasdal"]
    heuvelland = channels["heuvelland"]
    assert isinstance(heuvelland, HeuvellandOutbound)
    assert heuvelland.outbox_dir == tmp_path
    assert isinstance(channels["maasdal"], MaasdalOutbound)


def test_without_an_outbox_heuvelland_gets_no_outbound() -> None:
    settings = KetenbusSettings(partners={"heuvelland": {}})
    assert outbound_workers(KafkaSettings(), settings.partners) == []
