"""docs/webhook-openapi.json: up to date, valid OpenAPI 3.1, and true of the live webhook."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import orjson
import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from connectors.channels.webhook import sign
from connectors.channels.webhook.openapi import (
    EXAMPLE_BODY,
    EXAMPLE_SECRET,
    EXAMPLE_TIMESTAMP,
    OPENAPI_FILE,
    document_text,
    registry_endpoints,
    webhook_openapi,
)
from connectors.maasdal import WEBHOOK
from tests.connectors.channels.conftest import MAASDAL, NOW, SECRET, SIGNATURE_HEADER

URL = "/partners/maasdal/messages"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    committed: dict[str, Any] = json.loads(OPENAPI_FILE.read_text("utf-8"))
    return committed


def test_the_committed_document_is_up_to_date() -> None:
    assert OPENAPI_FILE.read_text("utf-8") == document_text(registry_endpoints()), (
        "docs/webhook-openapi.json is out of date: run `make contracts`"
    )


def test_it_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    OpenAPIV31SpecValidator(document).validate()
    broken = copy.deepcopy(document)
    del broken["paths"][URL]["post"]["responses"]["202"]["description"]
    with pytest.raises(OpenAPIValidationError):
        OpenAPIV31SpecValidator(broken).validate()


def test_every_registered_webhook_partner_has_its_path(document: dict[str, Any]) -> None:
    assert [e.partner_id for e in registry_endpoints()] == ["maasdal"]
    post = document["paths"][URL]["post"]
    [signature] = [p for p in post["parameters"] if p["name"] == SIGNATURE_HEADER]
    assert signature["in"] == "header"
    assert signature["required"] is True
    assert signature["example"] == sign(EXAMPLE_BODY, EXAMPLE_SECRET, EXAMPLE_TIMESTAMP)
    assert list(post["requestBody"]["content"]) == list(WEBHOOK.content_types)
    assert set(post["responses"]) == {"202", "400", "401", "404", "408", "413", "415", "503"}
    assert set(post["responses"]["503"]["headers"]) == {"X-Request-Id", "Retry-After"}


def test_every_example_fits_its_schema(document: dict[str, Any]) -> None:
    checked = 0
    for path in document["paths"].values():
        for operation in path.values():
            for response in operation["responses"].values():
                media = response["content"]["application/json"]
                validator = _validator(document, media["schema"])
                examples = [e["value"] for e in media.get("examples", {}).values()]
                examples += [media["example"]] if "example" in media else []
                for example in examples:
                    validator.validate(example)
                    checked += 1
    assert checked >= 12


@pytest.mark.kafka
async def test_the_live_answers_are_the_documented_ones(client: httpx.AsyncClient) -> None:
    """Each answer the webhook gives fits the document's schema for its status, and the
    served document is that of its partners."""
    served = (await client.get("/openapi.json")).json()
    assert served == webhook_openapi([MAASDAL])
    responses = served["paths"][URL]["post"]["responses"]
    body = orjson.dumps({"opdrachtnummer": "WO-2026-0042"})
    good = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, SECRET, NOW)}
    answers = [
        await client.post(URL, content=body, headers=good),
        await client.post(URL, content=body, headers={**good, SIGNATURE_HEADER: "t=1,v1=x"}),
        await client.post(URL, content=b"x" * (MAASDAL.max_body_bytes + 1), headers=good),
        await client.post(URL, content=body, headers={**good, "Content-Type": "text/csv"}),
        await client.post("/partners/nobody/messages", content=body, headers=good),
    ]
    assert [a.status_code for a in answers] == [202, 401, 413, 415, 404]
    for answer in answers:
        documented = responses[str(answer.status_code)]
        _validator(served, documented["content"]["application/json"]["schema"]).validate(
            answer.json()
        )
        assert {name.lower() for name in documented["headers"]} <= set(answer.headers.keys())
        assert len(answer.headers["X-Request-Id"]) == 32


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> OAS31Validator:
    """A validator of ``schema`` that resolves ``#/components/...`` in ``document``."""
    return OAS31Validator({**schema, "components": document["components"]})
