"""The OpenAPI 3.1 document served at /api/v1/openapi.json. tests/test_openapi.py holds it and the
router together: every served API route is described here, and nothing else is."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway import __version__
from gateway.rest.apikeys import SCOPES

_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": _DESCRIPTIONS[s],
                     "content": {"application/problem+json": {"schema": _PROBLEM}}} for s in statuses}


_DESCRIPTIONS = {
    400: "Malformed request (not JSON, missing Idempotency-Key)",
    401: "Missing or invalid API key",
    403: "The API key lacks the required scope",
    404: "No such resource",
    409: "Conflict (idempotency key reused with a different request, or customer erased)",
    413: "Request body larger than the configured limit",
    422: "Validation failed or the content guard refused the content",
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_MESSAGE_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["customer_id", "category"],
    "properties": {
        "customer_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
        "category": {"enum": ["invoice", "reminder", "contract", "support", "general"]},
        "subject": {"type": "string", "maxLength": 200},
        "body": {"type": "string"},
        "template": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_]{0,63}$"},
        "data": {"type": "object"},
        "attachments": {"type": "array", "maxItems": 10, "items": {"$ref": "#/components/schemas/Attachment"}},
        "sensitivity": {"enum": ["normal", "sensitive"], "default": "normal"},
        "auth_level": {"enum": ["substantial", "high"], "default": "substantial"},
    },
    "description": "Give either subject and body, or template (templates/messages/NAME.LANG.j2) and data.",
}

_READINESS = {"type": "object", "properties": {
    "status": {"enum": ["ready", "not ready"]},
    "checks": {"type": "object", "additionalProperties": {"enum": ["ok", "unavailable"]}}}}

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
        "schemas": {
            "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"},
                    "status": {"type": "integer"}, "detail": {"type": "string"},
                    "instance": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "detail": {"type": "string"}}}},
                    "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
                },
            },
            "Finding": {
                "type": "object",
                "required": ["rule", "message", "line", "column", "excerpt"],
                "properties": {
                    "rule": {"type": "string"}, "severity": {"enum": ["error", "warning"]},
                    "message": {"type": "string"}, "message_nb": {"type": "string"},
                    "template": {"type": "string"}, "line": {"type": "integer"},
                    "column": {"type": "integer"}, "excerpt": {"type": "string"},
                },
            },
            "Customer": {
                "type": "object",
                "additionalProperties": False,
                "required": ["email", "language"],
                "properties": {
                    "email": {"type": "string", "format": "email"},
                    "name": {"type": ["string", "null"], "maxLength": 200},
                    "language": {"enum": ["nb", "nn", "en"]},
                    "national_id": {"type": ["string", "null"],
                                    "description": "11 digits with valid check digits"},
                    "last_invoice_settled_at": {"anyOf": [{"type": "string", "format": "date-time"},
                                                         {"type": "string", "format": "date"}, {"type": "null"}],
                                               "description": "a timestamp, or a plain date: that day in Norway"},
                    "relationship_ended_at": {"anyOf": [{"type": "string", "format": "date-time"},
                                                         {"type": "string", "format": "date"}, {"type": "null"}],
                                               "description": "a timestamp, or a plain date: that day in Norway"},
                },
            },
            "Attachment": {
                "type": "object",
                "additionalProperties": False,
                "required": ["filename", "content_type", "content_base64"],
                "properties": {
                    "filename": {"type": "string", "maxLength": 255},
                    "content_type": {"enum": ["application/pdf", "image/png", "image/jpeg",
                                              "text/plain", "text/csv"]},
                    "content_base64": {"type": "string", "contentEncoding": "base64"},
                },
            },
            "MessageRequest": _MESSAGE_REQUEST,
            "Accepted": {"type": "object", "required": ["id", "status"],
                         "properties": {"id": {"type": "string"}, "status": {"type": "string"}}},
            "MessageStatus": {
                "type": "object",
                "required": ["id", "customer_id", "category", "created_at", "notification", "read_at"],
                "properties": {
                    "id": {"type": "string"}, "customer_id": {"type": "string"},
                    "category": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "read_at": {"type": ["string", "null"], "format": "date-time"},
                    "notification": {
                        "type": "object",
                        "required": ["status", "attempts", "sent_at", "last_error"],
                        "properties": {
                            "status": {"enum": ["pending", "sending", "sent", "failed", "held"]},
                            "attempts": {"type": "integer"},
                            "sent_at": {"type": ["string", "null"], "format": "date-time"},
                            "last_error": {"type": ["string", "null"]},
                        },
                    },
                },
            },
        },
    },
    "paths": {
        "/api/v1/customers/{customer_id}": {
            "put": {
                "summary": "Create or replace a customer's contact data (never echoed back)",
                "security": [{"apiKey": ["customers:write"]}],
                "parameters": [{"name": "customer_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Customer"}}}},
                "responses": {
                    "200": _json({"type": "object", "properties": {"id": {"type": "string"}}}, "Updated"),
                    "201": _json({"type": "object", "properties": {"id": {"type": "string"}}}, "Created"),
                    **_problems(400, 401, 403, 409, 413, 422),
                },
            },
            "delete": {
                "summary": "Erase a customer: destroy their key-store secret, delete their data, cancel their "
                           "notifications; idempotent, and the id can never be used again",
                "security": [{"apiKey": ["customers:erase"]}],
                "parameters": [{"name": "customer_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Erased (now or before)"}, **_problems(401, 403, 422)},
            },
        },
        "/api/v1/customers/{customer_id}/export": {
            "get": {
                "summary": "Everything held about a customer: the portal's ZIP (index.json with contact data, "
                           "messages, replies, attachments, the audit entries about them and who at the company "
                           "opened their messages), streamed",
                "security": [{"apiKey": ["customers:export"]}],
                "parameters": [{"name": "customer_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The archive",
                                      "content": {"application/zip": {"schema": {"type": "string",
                                                                                 "format": "binary"}}}},
                              **_problems(401, 403, 404, 422)},
            },
        },
        "/api/v1/messages": {
            "post": {
                "summary": "Submit one message; a notification e-mail follows",
                "security": [{"apiKey": ["messages:write"]}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string", "maxLength": 255}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/MessageRequest"}}}},
                "responses": {
                    "201": _json({"$ref": "#/components/schemas/Accepted"},
                                 "Accepted (or replayed: header Idempotent-Replayed: true)"),
                    **_problems(400, 401, 403, 409, 413, 422),
                },
            },
        },
        "/api/v1/messages/batch": {
            "post": {
                "summary": "Submit up to 1,000 messages; one result per item, in order",
                "security": [{"apiKey": ["messages:write"]}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["messages"],
                    "properties": {"messages": {"type": "array", "minItems": 1, "maxItems": 1000,
                                                "items": {"allOf": [
                                                    {"$ref": "#/components/schemas/MessageRequest"},
                                                    {"required": ["idempotency_key"],
                                                     "properties": {"idempotency_key": {"type": "string"}}},
                                                ]}}}}}}},
                "responses": {
                    "200": _json({"type": "object", "properties": {"results": {"type": "array", "items": {
                        "oneOf": [{"$ref": "#/components/schemas/Accepted"},
                                  {"type": "object", "properties": {"error": _PROBLEM}}]}}}},
                        "One result per item"),
                    **_problems(400, 401, 403, 413, 422),
                },
            },
        },
        "/api/v1/messages/{message_id}": {
            "get": {
                "summary": "Delivery and read status (never the content)",
                "security": [{"apiKey": ["messages:read"]}],
                "parameters": [{"name": "message_id", "in": "path", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": _json({"$ref": "#/components/schemas/MessageStatus"}, "Status"),
                              **_problems(401, 403, 404)},
            },
        },
        "/api/v1/templates/check": {
            "post": {
                "summary": "Run the content guard over a template source",
                "security": [{"apiKey": ["templates:write"]}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["kind", "source"],
                    "properties": {"kind": {"enum": ["email", "message"]}, "source": {"type": "string"},
                                   "name": {"type": "string"}}}}}},
                "responses": {"200": _json({"type": "object", "properties": {
                    "ok": {"type": "boolean"},
                    "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}}}},
                    "Guard result"), **_problems(400, 401, 403, 413, 422)},
            },
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI document"}}},
        },
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "Alive"}}}},
        "/readyz": {"get": {"summary": "Readiness: database and keys",
                            "responses": {"200": _json(_READINESS, "Ready"), "503": _json(_READINESS, "Not ready")}}},
        "/metrics": {"get": {"summary": "Prometheus metrics",
                             "responses": {"200": {"description": "Metrics in text format"}}}},
    },
}


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)
