"""The generated catalogue in docs/contracts.md, and the generate/check commands."""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from contracts import generate
from contracts.schema import REGENERATE, committed_schema
from ketenbus.cli import app


def test_the_catalogue_in_the_docs_is_up_to_date() -> None:
    assert not generate.catalogue_drifted(), (
        f"docs/contracts.md: the catalogue is out of date: run `{REGENERATE}`"
    )


def test_the_catalogue_shows_every_type_with_headers_and_value() -> None:
    text = generate.catalogue_markdown()
    assert text.count("```text\ncontent-type: application/json\nce_specversion: 1.0") == 14
    assert '"total_incl_vat": "207.15"' in text
    assert "ce_classification: special-category" in text


def test_check_passes_on_the_committed_state() -> None:
    assert generate.check() == []


def test_a_breaking_model_change_against_a_baseline_is_named() -> None:
    baseline = {"order.accepted": committed_schema("order.accepted")}
    assert generate.breaking(baseline) == []
    narrower = copy.deepcopy(baseline["order.accepted"])
    narrower["properties"]["extra_code"] = {"type": "string"}
    narrower["required"] = [*narrower["required"], "extra_code"]
    # The models lack a field the baseline promised, and required.
    assert generate.breaking({"order.accepted": narrower}) == [
        "order.accepted: $.extra_code: removed"
    ]
    assert generate.breaking({"order.teleported": {"type": "object"}}) == [
        "order.teleported: removed"
    ]


def test_a_breaking_change_of_a_record_schema_is_named_too() -> None:
    """The warehouse's records and the work orders are compatibility-checked like the facts."""
    baseline = {name: committed_schema(name) for name in ("dwh.order-fact", "workorder")}
    assert generate.breaking(baseline) == []
    promised = copy.deepcopy(baseline)
    promised["dwh.order-fact"]["properties"]["lead_time_days"] = {"type": "integer"}
    promised["workorder"]["properties"]["omschrijving"]["minLength"] = 0
    assert generate.breaking(promised) == [
        "dwh.order-fact: $.lead_time_days: removed",
        "workorder: $.omschrijving: minLength raised to 1",
    ]


def test_the_cli_check() -> None:
    result = CliRunner().invoke(app, ["contracts", "check"])
    assert result.exit_code == 0, result.output
    assert "up to date and compatible" in result.output


def test_the_cli_generate_writes_nothing_on_a_breaking_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        generate, "breaking", lambda baseline=None: ["order.accepted: $.note: removed"]
    )
    written: list[str] = []
    monkeypatch.setattr(generate, "write_schemas", lambda: written.append("schemas") or [])
    result = CliRunner().invoke(app, ["contracts", "generate"])
    assert result.exit_code == 1
    assert "breaking: order.accepted: $.note: removed" in result.output
    assert "nothing written" in result.output
    assert written == []
