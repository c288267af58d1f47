"""Security keys and passkeys (WebAuthn) through the `webauthn` library: registration at
enrolment, assertion at sign-in. Only public keys are stored; the relying party is the gateway's
public origin (GATEWAY_PUBLIC_URL), so a key registered for it works nowhere else.

`webauthn` (with cbor2 and pyOpenSSL, about 6.5 MB in a process) is imported when a passkey is
first registered or used, not at start: most serve processes never see one (docs/performance.md)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.clock import Clock
from gateway.settings import Settings
from gateway.storage.schema import staff_passkeys

log = logging.getLogger("gateway.console")


def _rp_id(settings: Settings) -> str:
    return urlsplit(settings.public_url).hostname or "localhost"


async def _credential_ids(conn: AsyncConnection, staff_id: str) -> list[bytes]:
    from webauthn.helpers import base64url_to_bytes

    rows = await conn.execute(select(staff_passkeys.c.credential_id).where(staff_passkeys.c.staff_id == staff_id))
    return [base64url_to_bytes(row.credential_id) for row in rows]


async def has_any(conn: AsyncConnection, staff_id: str) -> bool:
    found = await conn.execute(select(staff_passkeys.c.credential_id)
                               .where(staff_passkeys.c.staff_id == staff_id).limit(1))
    return found.first() is not None


async def registration_options(conn: AsyncConnection, settings: Settings, staff_id: str,
                               first_name: str) -> tuple[str, str]:
    """(options as JSON for the browser, the challenge to keep in the session)."""
    import webauthn
    from webauthn.helpers import bytes_to_base64url
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = webauthn.generate_registration_options(
        rp_id=_rp_id(settings), rp_name=settings.company_name, user_id=staff_id.encode(), user_name=first_name,
        user_display_name=first_name,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in await _credential_ids(conn, staff_id)],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED))
    return webauthn.options_to_json(options), bytes_to_base64url(options.challenge)


async def verify_registration(conn: AsyncConnection, settings: Settings, clock: Clock, staff_id: str,
                              challenge: str, body: str) -> bool:
    import webauthn
    from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = webauthn.verify_registration_response(
            credential=json.loads(body), expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=_rp_id(settings), expected_origin=settings.public_origin)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        log.info("passkey registration refused", extra={"reason": type(exc).__name__})
        return False
    await conn.execute(staff_passkeys.insert().values(
        credential_id=bytes_to_base64url(verified.credential_id), staff_id=staff_id,
        public_key=verified.credential_public_key, sign_count=verified.sign_count, created_at=clock.now()))
    return True


async def authentication_options(conn: AsyncConnection, settings: Settings, staff_id: str) -> tuple[str, str]:
    import webauthn
    from webauthn.helpers import bytes_to_base64url
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    options = webauthn.generate_authentication_options(
        rp_id=_rp_id(settings),
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in await _credential_ids(conn, staff_id)],
        user_verification=UserVerificationRequirement.PREFERRED)
    return webauthn.options_to_json(options), bytes_to_base64url(options.challenge)


async def verify_authentication(conn: AsyncConnection, settings: Settings, staff_id: str, challenge: str,
                                body: str) -> bool:
    import webauthn
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        credential = json.loads(body)
        credential_id = str(credential["id"])
    except (ValueError, TypeError, KeyError):
        return False
    row = (await conn.execute(select(staff_passkeys).where(
        staff_passkeys.c.credential_id == credential_id, staff_passkeys.c.staff_id == staff_id))).first()
    if row is None:
        return False
    try:
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=base64url_to_bytes(challenge), expected_rp_id=_rp_id(settings),
            expected_origin=settings.public_origin, credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count)
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        log.info("passkey assertion refused", extra={"reason": type(exc).__name__})
        return False
    await conn.execute(update(staff_passkeys).where(staff_passkeys.c.credential_id == credential_id)
                       .values(sign_count=verified.new_sign_count))
    return True
