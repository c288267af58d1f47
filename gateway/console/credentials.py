"""Staff credentials: the password (argon2id, a minimum length, not a common one) and the TOTP
second factor (its secret sealed under the account's own key, each code accepted once, the QR
code drawn here as inline SVG: no external service ever sees the secret)."""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION

from gateway.crypto import Crypto, CustomerKey

MIN_PASSWORD = 12
MAX_PASSWORD = 256
TOTP_STEP = 30
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
_TOTP_FIELD = "staff.totp_secret"


def _key_owner(staff_id: str) -> str:
    return f"staff:{staff_id}"  # a customer id cannot contain ":", so the key contexts never meet


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against for unknown accounts: an argon2id hash string with the hasher's own
    parameters, a random salt and a random digest. Verifying a password against it computes the
    full argon2id hash with those parameters, as for a real account, and no password matches it.
    It is made without hashing anything: one argon2id hash takes about 0.4 s and, with the
    library's parameters, 64 MiB of memory, which every serve process paid at start (a peak of
    64 MB more in each process's high-water mark, for a value nobody can tell from random)."""
    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii").rstrip("=")

    h = _HASHER
    return (f"$argon2{h.type.name.lower()}$v={ARGON2_VERSION}$m={h.memory_cost},t={h.time_cost},"
            f"p={h.parallelism}${b64(secrets.token_bytes(h.salt_len))}${b64(secrets.token_bytes(h.hash_len))}")


def prepare() -> None:
    """Make the dummy hash now (the console does at start; it is instant)."""
    _dummy_hash()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and line[0] != "#")


def password_problem(password: str, email: str) -> str | None:
    """The i18n key of what is wrong with a new password, or None."""
    if len(password) < MIN_PASSWORD:
        return "password_short"
    if len(password) > MAX_PASSWORD:
        return "password_long"
    folded = password.casefold()
    local = email.split("@", 1)[0].casefold()
    if folded in common_passwords() or (len(local) >= 4 and local in folded) or len(set(folded)) < 4:
        return "password_common"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not the account has a password (no account-probing by timing)."""
    try:
        return _HASHER.verify(stored or _dummy_hash(), password[:MAX_PASSWORD]) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_totp(crypto: Crypto, staff_id: str) -> tuple[str, bytes, bytes]:
    """(secret, wrapped account key, sealed secret) for a new TOTP enrolment."""
    key = crypto.new_customer_key(_key_owner(staff_id))
    secret = pyotp.random_base32()
    return secret, key.wrapped, crypto.seal(key, _TOTP_FIELD, secret.encode("ascii"))


def open_totp(crypto: Crypto, staff_id: str, key_wrapped: bytes, sealed: bytes) -> str:
    key: CustomerKey = crypto.open_customer_key(_key_owner(staff_id), key_wrapped)
    return crypto.open(key, _TOTP_FIELD, sealed).decode("ascii")


def totp_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step a code belongs to (this one or either neighbour, for clock drift), or None.
    A step at or before `last_step` is refused: a code is good once."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP)
    current = int(now.timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=TOTP_STEP).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code as an inline <svg> element (no script, no external image)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                     omitsize=False))
