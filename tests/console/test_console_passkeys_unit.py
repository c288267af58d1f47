"""The passkey helpers (webauthn, imported on first use): options for the browser name the gateway as
the relying party and carry a fresh challenge; a malformed answer is refused, never an error. The
full ceremony with a virtual authenticator is in tests/browser/."""

from __future__ import annotations

import json

from gateway.clock import SYSTEM
from gateway.console import passkeys
from gateway.settings import Settings
from gateway.storage import make_engine


async def test_options_and_refusals_without_a_key(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            assert not await passkeys.has_any(conn, "staff-1")
            options, challenge = await passkeys.registration_options(conn, settings, "staff-1", "Kari")
            parsed = json.loads(options)
            assert parsed["rp"]["id"] and parsed["rp"]["name"] == settings.company_name
            assert parsed["challenge"] == challenge and challenge
            _, other = await passkeys.registration_options(conn, settings, "staff-1", "Kari")
            assert other != challenge
            assert not await passkeys.verify_registration(conn, settings, SYSTEM, "staff-1", challenge, "{}")
            assert not await passkeys.verify_registration(conn, settings, SYSTEM, "staff-1", challenge, "not json")
            options, challenge = await passkeys.authentication_options(conn, settings, "staff-1")
            assert json.loads(options)["challenge"] == challenge
            assert not await passkeys.verify_authentication(conn, settings, "staff-1", challenge, "{}")
            assert not await passkeys.verify_authentication(
                conn, settings, "staff-1", challenge, json.dumps({"id": "AAAA", "response": {}}))
    finally:
        await engine.dispose()
