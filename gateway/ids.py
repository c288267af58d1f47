"""Identifiers: random, URL-safe and unguessable (128 bits), so a message link reveals nothing."""

import secrets


def new_id() -> str:
    return secrets.token_urlsafe(16)
