"""A message from billing as the client sends it: parse and validate the request body (one piece,
so the request schema has one home), and the hash that makes an idempotent retry recognisable."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from gateway import validate

CATEGORIES = ("invoice", "reminder", "contract", "support", "general")
SENSITIVITIES = ("normal", "sensitive")
AUTH_LEVELS = ("substantial", "high")
MAX_ATTACHMENTS = 10
MAX_SUBJECT = 200
MAX_IDEMPOTENCY_KEY = 255
_FIELDS = {"customer_id", "category", "subject", "body", "template", "data", "attachments",
           "sensitivity", "auth_level"}
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


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_message(payload: Any, max_attachment_bytes: int, prefix: str = "") -> MessageInput:
    body = validate.require_object(payload, prefix.rstrip(".") or "body")
    errors = validate.Errors()
    validate.reject_unknown(body, _FIELDS, errors, prefix)
    customer_id = validate.identifier(body.get("customer_id"), prefix + "customer_id", errors)
    category = validate.choice(body, "category", CATEGORIES, errors, prefix=prefix)
    sensitivity = validate.choice(body, "sensitivity", SENSITIVITIES, errors, default="normal", prefix=prefix)
    auth_level = validate.choice(body, "auth_level", AUTH_LEVELS, errors, default="substantial", prefix=prefix)
    subject = body_text = template = None
    data: dict[str, Any] | None = None
    if "template" in body:
        if "subject" in body or "body" in body:
            errors.add(prefix + "template", "give either subject and body, or template and data, not both")
        template = validate.string(body, "template", errors, required=True, max_len=64, prefix=prefix)
        raw_data = body.get("data", {})
        if not isinstance(raw_data, dict):
            errors.add(prefix + "data", "must be a JSON object")
        else:
            data = raw_data
    else:
        if "data" in body:
            errors.add(prefix + "data", "is only allowed together with template")
        subject = validate.string(body, "subject", errors, required=True, max_len=MAX_SUBJECT, prefix=prefix)
        body_text = validate.string(body, "body", errors, required=True, max_len=1_000_000, prefix=prefix)
    files = _parse_attachments(body.get("attachments"), max_attachment_bytes, errors, prefix)
    errors.raise_if_any()
    assert customer_id and category and sensitivity and auth_level
    return MessageInput(customer_id, category, sensitivity, auth_level, subject, body_text,
                        template, data, files, request_hash(body))


def _parse_attachments(
    value: Any, max_bytes: int, errors: validate.Errors, prefix: str
) -> tuple[Attachment, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.add(prefix + "attachments", "must be a list")
        return ()
    if len(value) > MAX_ATTACHMENTS:
        errors.add(prefix + "attachments", f"at most {MAX_ATTACHMENTS} attachments")
        return ()
    result = []
    for index, item in enumerate(value):
        where = f"{prefix}attachments[{index}]."
        if not isinstance(item, dict):
            errors.add(where.rstrip("."), "must be a JSON object")
            continue
        validate.reject_unknown(item, {"filename", "content_type", "content_base64"}, errors, where)
        name = validate.string(item, "filename", errors, required=True, max_len=255, prefix=where)
        if name is not None and (any(c in name for c in "/\\") or any(ord(c) < 32 for c in name)):
            errors.add(where + "filename", "must not contain path separators or control characters")
            name = None
        ctype = validate.choice(item, "content_type", tuple(CONTENT_TYPES), errors, prefix=where)
        content = _decode_content(item.get("content_base64"), where, max_bytes, errors)
        if name is None or ctype is None or content is None:
            continue
        if not _content_matches(ctype, content):
            errors.add(where + "content_base64", f"content is not {ctype}")
            continue
        result.append(Attachment(name, ctype, content))
    return tuple(result)


def _decode_content(value: Any, where: str, max_bytes: int, errors: validate.Errors) -> bytes | None:
    if not isinstance(value, str):
        errors.add(where + "content_base64", "is required (base64 text)")
        return None
    if len(value) > (max_bytes * 4) // 3 + 4:
        errors.add(where + "content_base64", f"attachment larger than {max_bytes} bytes")
        return None
    try:
        content = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        errors.add(where + "content_base64", "is not valid base64")
        return None
    if not content:
        errors.add(where + "content_base64", "attachment is empty")
        return None
    if len(content) > max_bytes:
        errors.add(where + "content_base64", f"attachment larger than {max_bytes} bytes")
        return None
    return content


def _content_matches(content_type: str, content: bytes) -> bool:
    magic = CONTENT_TYPES[content_type]
    if magic is not None:
        return content.startswith(magic)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
