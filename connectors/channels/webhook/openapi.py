"""The webhook's contract for partners: an OpenAPI 3.1 document built from the code.

One path per partner (``POST /partners/<partner>/messages``) with its signature
header (and an example made by :func:`sign`), its media types and body limit, and
every answer the channel gives, each with its body and headers. The app serves the
document of its own partners at ``/openapi.json``; ``ketenbus contracts generate``
writes that of every partner in ``connectors.registry`` to ``docs/webhook-openapi.json``
and a test fails when the committed file is out of date.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from connectors.channels.errors import (
    MalformedSignature,
    MissingSignature,
    SignatureExpired,
    SignatureMismatch,
)
from connectors.channels.webhook._partner import RETRY_AFTER_SECONDS, WebhookEndpoint
from connectors.channels.webhook._signature import DEFAULT_TOLERANCE_SECONDS, SCHEME, sign

OPENAPI_FILE = Path(__file__).resolve().parents[3] / "docs" / "webhook-openapi.json"

#: The example's clock and body; the secret is a placeholder, never a real one.
EXAMPLE_TIMESTAMP = 1_790_022_400
EXAMPLE_SECRET = "<shared secret>"
EXAMPLE_BODY = b'{"berichtId": "MD-20261126-000123", "opdrachtnummer": "WO-2026-0042"}'

_SIGNATURE_REASONS = [
    cls.reason
    for cls in (MissingSignature, MalformedSignature, SignatureExpired, SignatureMismatch)
]


def webhook_openapi(endpoints: Iterable[WebhookEndpoint]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the webhook serving ``endpoints``."""
    paths: dict[str, Any] = {
        f"/partners/{endpoint.partner_id}/messages": {"post": _operation(endpoint)}
        for endpoint in sorted(endpoints, key=lambda e: e.partner_id)
    }
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness: the process answers",
            "responses": {
                "200": {
                    "description": "The process is up (says nothing about Kafka).",
                    "content": _json({"$ref": "#/components/schemas/Health"}, {"status": "ok"}),
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ketenbus webhook",
            "version": "1.0.0",
            "description": (
                "Partners POST each message to their own path. A 2xx means the message is "
                "stored for good on Kafka; every other answer, or none within the "
                "partner's time-out, means: send it again (with back-off). See "
                "docs/channels/webhook.md."
            ),
        },
        "paths": paths,
        "components": {"schemas": _SCHEMAS, "headers": _HEADERS},
    }


def document_text(endpoints: Iterable[WebhookEndpoint]) -> str:
    """The committed form: indented JSON, keys in the order built, a final newline."""
    return json.dumps(webhook_openapi(endpoints), indent=2, ensure_ascii=False) + "\n"


def registry_endpoints() -> list[WebhookEndpoint]:
    """Every partner in ``connectors.registry`` that has a webhook."""
    from connectors.registry import partners  # the registry imports this package

    return [p.webhook_endpoint for p in partners().values() if p.webhook_endpoint is not None]


def write(path: Path = OPENAPI_FILE) -> bool:
    """Write the document of every registered partner; True when the file changed."""
    text = document_text(registry_endpoints())
    if path.exists() and path.read_text("utf-8") == text:
        return False
    path.write_text(text, "utf-8")
    return True


def drifted(path: Path = OPENAPI_FILE) -> bool:
    return not path.exists() or path.read_text("utf-8") != document_text(registry_endpoints())


def _operation(endpoint: WebhookEndpoint) -> dict[str, Any]:
    pid = endpoint.partner_id
    example = sign(EXAMPLE_BODY, EXAMPLE_SECRET, EXAMPLE_TIMESTAMP)
    body_schema = {
        "description": f"The partner's message, stored byte for byte; at most "
        f"{endpoint.max_body_bytes} bytes.",
        "maxLength": endpoint.max_body_bytes,
    }
    return {
        "operationId": f"send_{pid.replace('-', '_')}_message",
        "summary": f"{pid}: store one message",
        "description": (
            f"One request is one message of {pid}. It is checked (framing, size, media "
            "type, signature header) before its body is read, then stored raw on Kafka "
            "(`keten.raw.<partner>`) before the answer."
        ),
        "parameters": [
            {
                "name": endpoint.signature_header,
                "in": "header",
                "required": True,
                "description": (
                    f"`t=<unix seconds>,{SCHEME}=<hex>[,{SCHEME}=<hex>...]`: each `{SCHEME}` "
                    "is the lowercase hex HMAC-SHA256, keyed with a shared secret, of the "
                    "bytes `<t>.<raw body>`. Refused when `t` is more than "
                    f"{DEFAULT_TOLERANCE_SECONDS} s from the server's clock; two `{SCHEME}` "
                    "values during a secret rotation; at most 8; at most 1024 characters. "
                    f"The example signs `{EXAMPLE_BODY.decode()}` at t={EXAMPLE_TIMESTAMP} "
                    f"with the secret `{EXAMPLE_SECRET}`."
                ),
                "schema": {
                    "type": "string",
                    "maxLength": 1024,
                    "pattern": rf"^t=[0-9]{{1,12}}(,[a-z0-9]+=[^,]*)*,{SCHEME}=[0-9a-f]{{64}}",
                },
                "example": example,
            },
            {
                "name": "traceparent",
                "in": "header",
                "required": False,
                "description": "W3C trace context (version 00); kept on the record if valid.",
                "schema": {"type": "string"},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                media_type: {"schema": body_schema, "example": EXAMPLE_BODY.decode()}
                for media_type in endpoint.content_types
            },
        },
        "responses": _responses(endpoint),
    }


def _responses(endpoint: WebhookEndpoint) -> dict[str, Any]:
    def answer(description: str, schema: str, *examples: Any, retry: bool = False) -> Any:
        headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
        if retry:
            headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
        content = {"$ref": f"#/components/schemas/{schema}"}
        return {
            "description": description,
            "headers": headers,
            "content": {
                "application/json": {
                    "schema": content,
                    "examples": {f"e{i}": {"value": ex} for i, ex in enumerate(examples, 1)},
                }
            },
        }

    bad_request = answer(
        "Ambiguous or invalid framing: both `Content-Length` and `Transfer-Encoding`, or a "
        "`Content-Length` that is not a number. Malformed HTTP is refused by the HTTP "
        "server itself, as `text/plain`, without `X-Request-Id`. Fix the client.",
        "Error",
        {"error": "both content-length and transfer-encoding"},
        {"error": "invalid content-length"},
    )
    bad_request["content"]["text/plain"] = {"schema": {"type": "string"}}
    return {
        "202": answer(
            "Stored for good (Kafka acknowledged it). The id is also the record's `kb_origin`.",
            "Stored",
            {"status": "stored", "id": "0f8c1d0e6a2b4c3d9e8f7a6b5c4d3e2f"},
        ),
        "400": bad_request,
        "401": answer(
            "The signature header is missing, malformed, outside the replay window, or "
            "matches no secret. Sending the same request again will not help; re-sign it.",
            "SignatureRefused",
            *({"error": reason} for reason in _SIGNATURE_REASONS),
        ),
        "404": answer(
            "The path names no configured partner.", "Error", {"error": "unknown partner"}
        ),
        "408": answer(
            "The body did not arrive within the body time-out. Send it again.",
            "Error",
            {"error": "body not received in time"},
        ),
        "413": answer(
            f"The body is over the limit ({endpoint.max_body_bytes} bytes): from "
            "`Content-Length` before reading, or while a chunked body streams. It will "
            "never fit; do not send it again.",
            "TooLarge",
            {"error": "body too large", "limit": endpoint.max_body_bytes},
        ),
        "415": answer(
            "The `Content-Type` is not one of the partner's media types.",
            "UnsupportedType",
            {"error": "unsupported content type", "accepted": list(endpoint.content_types)},
        ),
        "503": answer(
            "Not stored: Kafka did not acknowledge in time, or the server is busy (memory "
            "for bodies in flight, or every connection serving a request). Send the same "
            "message again after `Retry-After`.",
            "Error",
            {"error": "not stored, send again"},
            {"error": "busy, send again"},
            retry=True,
        ),
    }


def _json(schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema, "example": example}}


_SCHEMAS: dict[str, Any] = {
    "Stored": {
        "type": "object",
        "required": ["status", "id"],
        "properties": {
            "status": {"const": "stored"},
            "id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "Request id."},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "SignatureRefused": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"enum": _SIGNATURE_REASONS}},
    },
    "TooLarge": {
        "type": "object",
        "required": ["error", "limit"],
        "properties": {"error": {"const": "body too large"}, "limit": {"type": "integer"}},
    },
    "UnsupportedType": {
        "type": "object",
        "required": ["error", "accepted"],
        "properties": {
            "error": {"const": "unsupported content type"},
            "accepted": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"const": "ok"}},
    },
}

_HEADERS: dict[str, Any] = {
    "X-Request-Id": {
        "description": "The request's id (32 hex digits); quote it in a support question.",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    },
    "Retry-After": {
        "description": "Seconds to wait before sending again.",
        "schema": {"type": "integer", "const": RETRY_AFTER_SECONDS},
    },
}
