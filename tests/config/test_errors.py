"""A bad configuration stops the command: exit 2, exactly one line on stderr naming the
setting by its full path, no traceback, never a value (R11)."""

from __future__ import annotations

import pytest

from tests.config.conftest import Run, run_process

ROUTE_OK = '[destinations.onderhoud]\nbase_url = "https://onderhoud.corporatie.nl/v4"\n'
API_KEY = {"KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY": "sekrit-api-key"}

CASES = [
    pytest.param(
        ["route"],
        '[kafka]\nbootstrap_server = "kafka.corporatie.nl:9092"\n' + ROUTE_OK,
        API_KEY,
        "configuration error: kafka.bootstrap_server: unknown setting "
        "(did you mean bootstrap_servers?)",
        id="kafka-typo",
    ),
    pytest.param(
        ["webhook"],
        '[partners.maasdal]\nwebhook_secret = ["sekrit"]\n',
        {},
        "configuration error: partners.maasdal.webhook_secret: unknown setting "
        "(did you mean webhook_secrets?)",
        id="partner-typo",
    ),
    pytest.param(
        ["route"],
        "[destination.onderhoud]\n",
        {},
        "configuration error: destination: unknown setting (did you mean destinations?)",
        id="top-level-typo",
    ),
    pytest.param(
        ["translate"],
        "[partners.maasdaal]\n",
        {},
        "configuration error: partners.maasdaal: unknown setting (did you mean maasdal?)",
        id="unknown-partner",
    ),
    pytest.param(
        ["webhook"],
        '[partners.maasdal]\nwebhook_secrets = "sekrit-one-string"\n',
        {},
        "configuration error: partners.maasdal.webhook_secrets: Input should be a valid tuple",
        id="wrong-typed-secret-in-file",
    ),
    pytest.param(
        ["webhook"],
        "[partners.maasdal]\n",
        {"KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": '["sekrit-one", 12345]'},
        "configuration error: partners.maasdal.webhook_secrets.1: Input should be a valid string",
        id="wrong-typed-secret-in-environment",
    ),
    pytest.param(
        ["webhook"],
        "[partners.maasdal]\n",
        {"KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS": "sekrit-not-a-list"},
        "configuration error: partners: an environment variable KETENBUS_PARTNERS__... "
        "is not valid JSON (Expecting value: line 1 column 1 (char 0))",
        id="secret-list-not-json",
    ),
    pytest.param(
        ["route"],
        ROUTE_OK + "api_key = 12345678\n",
        {},
        "configuration error: destinations.onderhoud.api_key: Input should be a valid string",
        id="wrong-typed-api-key",
    ),
    pytest.param(
        ["route"],
        '[destinations.onderhoud]\nbase_url = "onderhoud.corporatie.nl/v4"\n',
        API_KEY,
        "configuration error: destinations.onderhoud.base_url: Input should be a valid URL, "
        "relative URL without a base",
        id="base-url-without-scheme",
    ),
    pytest.param(
        ["outbound"],
        '[partners.maasdal]\napi_base_url = "ftp://api.maasdal.nl"\n',
        {"KETENBUS_PARTNERS__MAASDAL__API_TOKEN": "sekrit-token"},
        "configuration error: partners.maasdal.api_base_url: "
        "URL scheme should be 'http' or 'https'",
        id="base-url-not-http",
    ),
    pytest.param(
        ["route"],
        '[sender_organisation]\nname = "x"\n' + ROUTE_OK,
        API_KEY,
        "configuration error: sender_organisation: Input should be a valid string",
        id="wrong-type-top-level",
    ),
    pytest.param(
        ["route"],
        ROUTE_OK,
        {},
        "configuration error: destinations.onderhoud.api_key is required; set it in the file "
        "or as KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY",
        id="missing-api-key",
    ),
    pytest.param(
        ["route"],
        "[destinations.dwh]\n",
        {"KETENBUS_DESTINATIONS__DWH__PSEUDONYM_KEY": "sekrit-too-short"},
        "configuration error: destinations.dwh.pseudonym_key: pseudonym_key must be at least "
        "32 characters (a random secret)",
        id="short-pseudonym-key",
    ),
    pytest.param(
        ["ingress"],
        '[partners.roerdal]\napi_base_url = "https://api.roerdal.nl"\nclient_id = "corporatie"\n',
        {},
        "configuration error: partners.roerdal.client_secret is required by `ketenbus ingress` "
        "when api_base_url is set; set KETENBUS_PARTNERS__ROERDAL__CLIENT_SECRET",
        id="roerdal-without-client-secret",
    ),
    pytest.param(
        ["ingress"],
        '[partners.heuvelland.inbox]\npath = "/inbox"\n'
        '[partners.heuvelland.inbox.sftp]\nhost = "sftp.corporatie.nl"\nusername = "hvl"\n'
        'known_hosts = "/etc/ketenbus/known_hosts"\n',
        {},
        "configuration error: partners.heuvelland.inbox.sftp.password is required by "
        "`ketenbus ingress` unless private_key is set; "
        "set KETENBUS_PARTNERS__HEUVELLAND__INBOX__SFTP__PASSWORD",
        id="sftp-without-password",
    ),
    pytest.param(
        ["webhook"],
        "[partners.maasdal]\n",
        {},
        "configuration error: partners.maasdal.webhook_secrets is required by `ketenbus webhook`; "
        "set KETENBUS_PARTNERS__MAASDAL__WEBHOOK_SECRETS",
        id="webhook-without-secret",
    ),
    pytest.param(
        ["outbound"],
        '[partners.maasdal]\napi_base_url = "https://api.maasdal.nl"\n',
        {},
        "configuration error: partners.maasdal.api_token is required by `ketenbus outbound` "
        "when api_base_url is set; set KETENBUS_PARTNERS__MAASDAL__API_TOKEN",
        id="maasdal-outbound-without-token",
    ),
    pytest.param(
        ["deadletters", "list"],
        '[kafka]\nbootstrap_server = "kafka.corporatie.nl:9092"\n',
        {},
        "configuration error: kafka.bootstrap_server: unknown setting "
        "(did you mean bootstrap_servers?)",
        id="deadletters-kafka-typo",
    ),
]


@pytest.mark.parametrize(("args", "toml", "secrets", "line"), CASES)
def test_a_bad_setting_is_one_line_naming_it(run_cli: Run, write_config, args, toml, secrets, line):
    outcome = run_cli(write_config(toml), *args, secrets=secrets)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [line]
    assert outcome.stdout == ""
    assert "sekrit" not in outcome.stderr
    assert "12345" not in line


def test_a_toml_syntax_error_is_one_line_with_file_line_and_column(write_config) -> None:
    path = write_config('[kafka]\nbootstrap_servers = "kafka:9092"\ntopic_prefix "acc."\n')
    outcome = run_process(path, "route")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        f"configuration error: {path}: line 3, column 14: "
        "Expected '=' after a key in a key/value pair"
    ]


def test_a_missing_file_is_one_line(tmp_path) -> None:
    outcome = run_process(tmp_path / "nowhere.toml", "translate")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        f"configuration error: configuration file not found: {tmp_path / 'nowhere.toml'}"
    ]


REAL_PROCESS = {"kafka-typo", "wrong-typed-secret-in-environment", "roerdal-without-client-secret"}


@pytest.mark.parametrize(
    ("args", "toml", "secrets", "line"), [c for c in CASES if c.id in REAL_PROCESS]
)
def test_the_real_process_says_the_same_and_no_traceback(write_config, args, toml, secrets, line):
    outcome = run_process(write_config(toml), *args, secrets=secrets)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [line]
    assert "Traceback" not in outcome.stderr
    assert "sekrit" not in outcome.stderr


def test_several_problems_are_one_line_each(run_cli: Run, write_config) -> None:
    toml = '[kafka]\npartitions = "three"\n[destinations.onderhoud]\nbase_url = "x"\n'
    outcome = run_cli(write_config(toml), "route")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines() == [
        "configuration error: kafka.partitions: Input should be a valid integer, "
        "unable to parse string as an integer",
        "configuration error: destinations.onderhoud.base_url: Input should be a valid URL, "
        "relative URL without a base",
        "configuration error: destinations.onderhoud.api_key is required; set it in the file "
        "or as KETENBUS_DESTINATIONS__ONDERHOUD__API_KEY",
    ]
