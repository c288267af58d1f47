"""The OpenAPI 3.1 document served at /api/v1/openapi.json. tests/test_openapi.py holds it and the
router together: every served API route is described here, and nothing else is."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from gateway import __version__
from gateway.billing import callback_schemas, schemas
from gateway.rest.apikeys import SCOPES

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": _DESCRIPTIONS[s],
                     "content": {"application/problem+json": {"schema": _PROBLEM}},
                     **({"headers": _RETRY_AFTER} if s in (429, 503) else {})} for s in statuses}


_DESCRIPTIONS = {
    400: "Malformed request (not JSON, missing Idempotency-Key)",
    401: "Missing or invalid API key",
    403: "The API key lacks the required scope",
    404: "No such resource",
    409: "Conflict (idempotency key reused with a different request, or customer erased)",
    413: "Request body larger than the configured limit",
    422: "Validation failed (errors name each field) or the content guard refused the content",
    429: "Too many requests with refused credentials from this client; see Retry-After",
    503: "The service is shutting down and the body had not yet arrived; retry (see Retry-After)",
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _ecma(node: Any) -> Any:
    """The schema with Python's full-match anchors (\\A, \\Z) as ECMA-262's (^, $), which mean
    the same there, and without msgspec's titles (the component names say it)."""
    if isinstance(node, dict):
        out = {k: _ecma(v) for k, v in node.items() if k != "title"}
        if isinstance(out.get("pattern"), str):
            out["pattern"] = _anchors(out["pattern"])
        return out
    if isinstance(node, list):
        return [_ecma(v) for v in node]
    return node


def _anchors(pattern: str) -> str:
    assert pattern.startswith("\\A") and pattern.endswith("\\Z"), pattern
    return "^" + pattern[2:-2] + "$"


def _components() -> dict[str, Any]:
    """JSON Schema of every declared body, from billing/schemas.py."""
    _, found = msgspec.json.schema_components(schemas.COMPONENTS, ref_template="#/components/schemas/{name}")
    for name, extra in schemas.EXTRA_SCHEMA.items():
        found[name] = {**found[name], **extra}
    for name in ("MessageRequest", "BatchItem"):
        found[name]["properties"]["data"] = schemas.DATA_SCHEMA
        for field, default in (("sensitivity", "normal"), ("auth_level", "substantial")):
            found[name]["properties"][field] = {**found[name]["properties"][field], "default": default}
    found["TemplateValue"] = schemas.TEMPLATE_VALUE
    found["BatchResults"]["properties"]["results"]["items"] = {"oneOf": [_ref("Accepted"), _ref("BatchError")]}
    # Each item is checked on its own against BatchItem and a bad one gets its problem in its
    # result slot (the batch contract), so the request accepts any item: anyOf(BatchItem, {}).
    found["BatchRequest"] = {"type": "object", "additionalProperties": False, "required": ["messages"],
                             "properties": {"messages": {
                                 "type": "array", "minItems": 1, "maxItems": schemas.MAX_BATCH,
                                 "items": {"anyOf": [_ref("BatchItem"), {}],
                                           "description": "A BatchItem; any other value gets a problem "
                                                          "in its result slot, the others are stored"}}}}
    return _ecma(found)


_ID_PARAMETER = {"type": "string", "pattern": "^" + schemas.ID_PATTERN + "$"}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Secure customer messaging gateway",
        "version": __version__,
        "description": "Billing and support hand the gateway messages; their content is stored "
                       "encrypted and the customer gets a content-free notification e-mail.",
    },
    "servers": [{"url": "/"}],
    "components": {
        "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                       "description": "Scopes: " + ", ".join(SCOPES)}},
        "schemas": _components(),
    },
    "paths": {
        "/api/v1/customers/{customer_id}": {
            "put": {
                "summary": "Create or replace a customer's contact data (never echoed back)",
                "security": [{"apiKey": ["customers:write"]}],
                "parameters": [{"name": "customer_id", "in": "path", "required": True, "schema": _ID_PARAMETER}],
                "requestBody": _body("Customer"),
                "responses": {"200": _json(_ref("Created"), "Updated"), "201": _json(_ref("Created"), "Created"),
                              **_problems(400, 401, 403, 409, 413, 422, 429, 503)},
            },
            "delete": {
                "summary": "Erase a customer: destroy their key-store secret, delete their data, cancel their "
                           "notifications; idempotent, and the id can never be used again",
                "security": [{"apiKey": ["customers:erase"]}],
                "parameters": [{"name": "customer_id", "in": "path", "required": True, "schema": _ID_PARAMETER}],
                "responses": {"204": {"description": "Erased (now or before)"},
                              **_problems(401, 403, 422, 429, 503)},
            },
        },
        "/api/v1/customers/{customer_id}/export": {
            "get": {
                "summary": "Everything held about a customer: the portal's ZIP (index.json with contact data, "
                           "messages, replies, attachments, the audit entries about them and who at the company "
                           "opened their messages), streamed",
                "security": [{"apiKey": ["customers:export"]}],
                "parameters": [{"name": "customer_id", "in": "path", "required": True, "schema": _ID_PARAMETER}],
                "responses": {"200": {"description": "The archive",
                                      "content": {"application/zip": {"schema": {"type": "string",
                                                                                 "format": "binary"}}}},
                              **_problems(401, 403, 404, 422, 429, 503)},
            },
        },
        "/api/v1/messages": {
            "post": {
                "summary": "Submit one message; a notification e-mail follows",
                "security": [{"apiKey": ["messages:write"]}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string",
                                           "pattern": "^" + schemas.IDEMPOTENCY_HEADER_PATTERN + "$"}}],
                "requestBody": _body("MessageRequest"),
                "responses": {
                    "201": _json(_ref("Accepted"), "Accepted (or replayed: header Idempotent-Replayed: true)"),
                    **_problems(400, 401, 403, 409, 413, 422, 429, 503),
                },
            },
        },
        "/api/v1/messages/batch": {
            "post": {
                "summary": "Submit up to 1,000 messages; one result per item, in order",
                "security": [{"apiKey": ["messages:write"]}],
                "requestBody": _body("BatchRequest"),
                "responses": {"200": _json(_ref("BatchResults"), "One result per item"),
                              **_problems(400, 401, 403, 413, 422, 429, 503)},
            },
        },
        "/api/v1/messages/{message_id}": {
            "get": {
                "summary": "Delivery and read status (never the content)",
                "security": [{"apiKey": ["messages:read"]}],
                "parameters": [{"name": "message_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json(_ref("MessageStatus"), "Status"), **_problems(401, 403, 404, 429)},
            },
        },
        "/api/v1/callbacks": {
            "put": {
                "summary": "Set this API key's status callback URL; answers the signing secret",
                "security": [{"apiKey": ["messages:read"]}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CallbackRequest"}}}},
                "responses": {"200": _json({"$ref": "#/components/schemas/Callback"}, "Updated"),
                              "201": _json({"$ref": "#/components/schemas/Callback"}, "Created"),
                              **_problems(400, 401, 403, 413, 422)},
            },
            "get": {
                "summary": "This API key's callback URL and its events by state",
                "security": [{"apiKey": ["messages:read"]}],
                "responses": {"200": _json({"$ref": "#/components/schemas/CallbackState"}, "Callback"),
                              **_problems(401, 403, 404)},
            },
        },
        "/api/v1/callbacks/replay": {
            "post": {
                "summary": "Deliver given-up (or also delivered) events again, in order per message",
                "security": [{"apiKey": ["messages:read"]}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ReplayRequest"}}}},
                "responses": {"200": _json({"$ref": "#/components/schemas/Replayed"}, "Events queued again"),
                              **_problems(400, 401, 403, 413, 422)},
            },
        },
        "/api/v1/templates/check": {
            "post": {
                "summary": "Run the content guard over a template source",
                "security": [{"apiKey": ["templates:write"]}],
                "requestBody": _body("TemplateCheck"),
                "responses": {"200": _json(_ref("CheckResult"), "Guard result"),
                              **_problems(400, 401, 403, 413, 422, 429, 503)},
            },
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "This document",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI document")}},
        },
        "/healthz": {"get": {"summary": "Liveness",
                             "responses": {"200": _json({"type": "object", "required": ["status"],
                                                         "properties": {"status": {"const": "ok"}}}, "Alive")}}},
        "/readyz": {"get": {"summary": "Readiness: database and keys",
                            "responses": {"200": _json(_ref("Readiness"), "Ready"),
                                          "503": _json(_ref("Readiness"), "Not ready")}}},
        "/metrics": {"get": {"summary": "Prometheus metrics",
                             "responses": {"200": {"description": "Metrics in text format",
                                                   "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    },
}


def _callback_components() -> dict[str, Any]:
    """The status-callback bodies' JSON Schema, derived from their msgspec declarations."""
    _, found = msgspec.json.schema_components(callback_schemas.COMPONENTS,
                                              ref_template="#/components/schemas/{name}")
    return {name: {k: v for k, v in schema.items() if k != "title"} for name, schema in found.items()}


DOCUMENT["components"]["schemas"].update(_callback_components())
# What the gateway sends to a client's callback URL (OpenAPI 3.1 webhooks).
DOCUMENT["webhooks"] = {"messageStatus": {"post": {
    "summary": "A message's status changed (sent, failed, held, bounced, read); ids, statuses and times only",
    "parameters": [{"name": name, "in": "header", "required": True, "schema": {"type": "string"},
                    "description": text} for name, text in (
        ("webhook-id", "The event's id; the same event may come again (at least once): deduplicate on it"),
        ("webhook-timestamp", "Seconds since the epoch when this attempt was signed"),
        ("webhook-signature", "v1,<base64 HMAC-SHA256> per the Standard Webhooks specification"))],
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/CallbackEvent"}}}},
    "responses": {"2XX": {"description": "Stored; any other answer (or none) is retried with backoff"}},
}}}


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)
