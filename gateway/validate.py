"""Small, strict validators for API payloads. Each returns the clean value or records an error;
error texts name the field and the rule, never echo the value (it may be personal data)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from gateway import addresses
from gateway.errors import ValidationFailed

# Matched whole (fullmatch): Python's "$" also matches before a final newline.
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Errors:
    """Collects every field error so the client sees them all at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, detail: str) -> None:
        self.items.append({"field": field, "detail": detail})

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def require_object(value: Any, field: str = "body") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed([{"field": field, "detail": "must be a JSON object"}])
    return value


def reject_unknown(obj: dict[str, Any], allowed: set[str], errors: Errors, prefix: str = "") -> None:
    for key in sorted(set(obj) - allowed):
        errors.add(f"{prefix}{key}", "is not a known field")


def string(
    obj: dict[str, Any], key: str, errors: Errors, *, required: bool, max_len: int, prefix: str = ""
) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            errors.add(prefix + key, "is required")
        return None
    if not isinstance(value, str):
        errors.add(prefix + key, "must be a string")
        return None
    if required and not value.strip():
        errors.add(prefix + key, "must not be empty")
        return None
    if len(value) > max_len:
        errors.add(prefix + key, f"must be at most {max_len} characters")
        return None
    if "\x00" in value:
        errors.add(prefix + key, "must not contain NUL characters")
        return None
    return value


def choice(
    obj: dict[str, Any], key: str, allowed: tuple[str, ...], errors: Errors, *, default: str | None = None,
    prefix: str = "",
) -> str | None:
    value = obj.get(key, default)
    if value is None:
        errors.add(prefix + key, "is required")
        return None
    if value not in allowed:
        errors.add(prefix + key, f"must be one of: {', '.join(allowed)}")
        return None
    return value


def email(value: str | None, field: str, errors: Errors) -> str | None:
    if value is None:
        return None
    if not addresses.is_addr_spec(value):
        errors.add(field, "must be a valid e-mail address")
        return None
    return value


def timestamp(obj: dict[str, Any], key: str, errors: Errors) -> datetime | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(key, "must be an RFC 3339 date-time string")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors.add(key, "must be an RFC 3339 date-time string")
        return None
    if parsed.tzinfo is None:
        errors.add(key, "must include a time zone offset")
        return None
    return parsed


def identifier(value: Any, field: str, errors: Errors) -> str | None:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        errors.add(field, "must be 1-64 characters: letters, digits, '.', '_' or '-'")
        return None
    return value
