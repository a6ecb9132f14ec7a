"""A process reads and checks only its sections, and needs only its own secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketenbus.config import InvalidConfiguration, load_settings

SFTP_INBOX = """
[partners.heuvelland.inbox]
path = "/inbox"
[partners.heuvelland.inbox.sftp]
host = "sftp.corporatie.nl"
username = "hvl"
known_hosts = "/etc/ketenbus/known_hosts"
"""


pytestmark = pytest.mark.usefixtures("no_settings_in_environment")


def test_the_sftp_password_is_needed_by_ingress_only(write_config) -> None:
    path: Path = write_config(SFTP_INBOX)
    assert (
        load_settings(path, process="translate").partners["heuvelland"].inbox.sftp.password is None
    )
    with pytest.raises(InvalidConfiguration) as refused:
        load_settings(path, process="ingress")
    assert refused.value.problems == [
        "partners.heuvelland.inbox.sftp.password is required by `ketenbus ingress` unless "
        "private_key is set; set KETENBUS_PARTNERS__HEUVELLAND__INBOX__SFTP__PASSWORD"
    ]


def test_a_section_a_process_does_not_read_is_not_checked_by_it(write_config) -> None:
    path: Path = write_config(
        '[partners.maasdal]\nwebhook_secrets = 5\n[destinations.onderhoud]\nbase_url = "x"\n'
    )
    route_problems = ["destinations.onderhoud.base_url: Input should be a valid URL, "
                      "relative URL without a base",
                      "destinations.onderhoud.api_key is required; set it in the file or as "
                      "KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY"]  # fmt: skip
    for process, problems in [
        ("webhook", ["partners.maasdal.webhook_secrets: Input should be a valid tuple"]),
        ("route", route_problems),
    ]:
        with pytest.raises(InvalidConfiguration) as refused:
            load_settings(path, process=process)
        assert refused.value.problems == problems
    settings = load_settings(path, process="deadletters")
    assert (settings.partners, settings.destinations) == ({}, {})


def test_without_a_process_every_section_is_checked_and_no_process_needs(write_config) -> None:
    path: Path = write_config(SFTP_INBOX + '[destinations.onderhoud]\nbase_url = "x"\n')
    with pytest.raises(InvalidConfiguration) as refused:
        load_settings(path)
    assert [p.split(":")[0].split(" ")[0] for p in refused.value.problems] == [
        "destinations.onderhoud.base_url",
        "destinations.onderhoud.api_key",
    ]


def test_an_environment_variable_of_a_section_not_read_is_not_parsed(
    write_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One environment for all processes (deploy/compose.yaml): a broken webhook secret
    # list stops the webhook, not the router.
    monkeypatch.setenv("KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS", "not-a-json-list")
    monkeypatch.setenv("KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY", "k")
    path: Path = write_config('[destinations.onderhoud]\nbase_url = "http://x/v4"\n')
    assert list(load_settings(path, process="route").destinations) == ["onderhoud"]
    with pytest.raises(InvalidConfiguration) as refused:
        load_settings(path, process="webhook")
    assert refused.value.problems == [
        "partners: an environment variable KETENBUS_PARTNERS__... is not valid JSON "
        "(Expecting value: line 1 column 1 (char 0))"
    ]
