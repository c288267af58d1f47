"""Identifiers: random, URL-safe and unguessable (128 bits), so a message link reveals nothing."""

import secrets


def new_id() -> str:
    return secrets.token_urlsafe(16)


#: Ids that clients choose (customers): the same rule as billing/schemas.ID_PATTERN, matched whole.
CLIENT_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
