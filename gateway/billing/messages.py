"""A message from billing as the client sends it: the accepted values and the parsed form. The request
body itself is declared in billing/schemas.py and checked in billing/rules.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gateway.customers import CustomerInput

CATEGORIES = ("invoice", "reminder", "contract", "support", "general")
# Allowed attachment types, each with the bytes its content must start with (None: UTF-8 text).
CONTENT_TYPES: dict[str, bytes | None] = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "text/plain": None,
    "text/csv": None,
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class MessageInput:
    customer_id: str
    category: str
    sensitivity: str
    auth_level: str
    subject: str | None
    body: str | None
    template: str | None
    data: dict[str, Any] | None
    attachments: tuple[Attachment, ...]
    request_hash: str


def parse_message(payload: Any, max_attachment_bytes: int) -> MessageInput:
    """A message given as a JSON-like object, checked exactly as the API checks a request body
    (billing/rules.py): for callers inside the gateway (the demo, the tests)."""
    from gateway.billing import rules  # rules imports this module

    return rules.message(_json_bytes(payload), max_attachment_bytes)


def parse_customer(customer_id: str, payload: Any) -> CustomerInput:
    """Contact data given as a JSON-like object, checked exactly as the API checks a request body
    (billing/rules.py): for callers inside the gateway (the demo, the tests)."""
    from gateway.billing import rules  # rules imports this module

    return rules.customer(customer_id, json.dumps(payload).encode())


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass")
