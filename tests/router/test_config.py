"""The router's configuration: the example in docs/router.md loads, and mistakes stop the
start with a message naming the setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts import Classification, Purpose
from ketenbus.config import KetenbusSettings, describe, load_settings
from router.delivery import DeliveryWorker
from router.plugin import BuildContext
from router.registry import DESTINATIONS
from router.topic_delivery import TopicDeliveryWorker

DOC = Path(__file__).resolve().parents[2] / "docs" / "router.md"
SECRETS = {
    "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": "k-onderhoud",
    "KETENBUS_DESTINATIONS__FINANCIEN__API_KEY": "k-financien",
    "KETENBUS_DESTINATIONS__RELATIES__API_KEY": "k-relaties",
    "KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY": "a-random-secret-of-32-characters!!",
}


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (toml,) = re.findall(r"```toml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    path = tmp_path / "ketenbus.toml"
    path.write_text(toml)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return path


def test_the_documented_example_loads_with_secrets_from_the_environment(example) -> None:
    settings = load_settings(example)
    assert sorted(settings.destinations) == ["dwh", "financien", "onderhoud", "relaties"]
    onderhoud = settings.destinations["onderhoud"]
    assert onderhoud.api_key.get_secret_value() == "k-onderhoud"
    assert onderhoud.entitlement.purposes == {Purpose.ORDER_EXECUTION}
    assert onderhoud.entitlement.classification is Classification.PERSONAL
    assert "order.registered" not in onderhoud.routes  # narrowed in the example
    assert onderhoud.breaker.failure_threshold == 5
    assert settings.destinations["relaties"].concurrency == 2
    dwh = settings.destinations["dwh"]
    assert (
        dwh.pseudonym_key.get_secret_value() == SECRETS["KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY"]
    )
    assert "k-onderhoud" not in repr(settings)  # secrets never print

    context = BuildContext(settings.kafka, settings.sender_organisation)
    workers = {
        id_: DESTINATIONS[id_].build(cfg, context) for id_, cfg in settings.destinations.items()
    }
    assert isinstance(workers["dwh"], TopicDeliveryWorker)
    assert all(
        isinstance(workers[i], DeliveryWorker) for i in ("onderhoud", "financien", "relaties")
    )
    assert workers["relaties"].sources == ["keten.signals.v1"]
    assert workers["onderhoud"].sources == ["keten.orders.v1"]
    assert workers["dwh"].sources == ["keten.orders.v1", "keten.signals.v1"]


@pytest.mark.parametrize(
    ("destination", "entry", "message"),
    [
        ("onderhoud", {"base_url": "http://x"},
         "destinations.onderhoud.api_key is required; set it in the file or as "
         "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY"),
        ("financien", {"base_url": "http://x", "api_key": "sekrit-key", "retyr": {}},
         "destinations.financien.retyr: unknown setting (did you mean retry?)"),
        ("relaties", {"api_key": "sekrit-key"},
         "destinations.relaties.base_url is required; set it in the file or as "
         "KETENBUS_DESTINATIONS__RELATIES__BASE_URL"),
        ("relaties", {"api_key": "sekrit-key", "base_url": "onderhoud.corporatie.nl"},
         "destinations.relaties.base_url: Input should be a valid URL, "
         "relative URL without a base"),
        ("relaties", {"api_key": "sekrit-key", "base_url": "ftp://onderhoud.corporatie.nl"},
         "destinations.relaties.base_url: URL scheme should be 'http' or 'https'"),
        ("dwh", {"pseudonym_key": "sekrit-but-short"},
         "destinations.dwh.pseudonym_key: pseudonym_key must be at least 32 characters "
         "(a random secret)"),
        ("onderhoud", {"base_url": "http://x", "api_key": "sekrit-key",
                       "routes": ["order.social-signal-raised"]},
         "destinations.onderhoud: routes: onderhoud has no mapping for "
         "'order.social-signal-raised'; routes: 'order.social-signal-raised' carries "
         "social-care data, which onderhoud is not entitled to receive"),
        ("archief", {}, "destinations.archief: unknown setting; "
                        "known: dwh, financien, onderhoud, relaties"),
    ],
)  # fmt: skip
def test_mistakes_stop_the_start_naming_the_setting_never_a_secret(
    destination, entry, message
) -> None:
    with pytest.raises(ValidationError) as refused:
        KetenbusSettings(destinations={destination: entry})
    assert describe(refused.value) == [message]
    assert "sekrit" not in str(refused.value)
