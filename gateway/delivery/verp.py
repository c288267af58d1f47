"""The per-notification bounce address (VERP): bounce+<token>@<bounce domain>. The token is random
(128 bits), stored on the notification, lower-case hex so that no relay's case folding breaks it."""

from __future__ import annotations

import re
import secrets

_LOCAL = re.compile(r"^bounce\+([0-9a-f]{32})$")


def new_token() -> str:
    return secrets.token_hex(16)


def bounce_address(token: str, domain: str) -> str:
    return f"bounce+{token}@{domain}"


def token_of(address: str, domain: str) -> str | None:
    """The token of a bounce address for `domain`, or None if it is not one."""
    local, _, host = address.strip().strip("<>").rpartition("@")
    if host.lower() != domain.lower():
        return None
    match = _LOCAL.match(local.lower())
    return match.group(1) if match else None
