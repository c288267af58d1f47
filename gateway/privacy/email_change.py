"""A signed-in customer changes the notification e-mail address (right of correction).

The new address gets an 8-digit code and a link to the portal page where it is entered; the code
is never in a URL and only its hash is stored (with the change id as salt), the new address only
sealed under the customer's key. Five wrong codes or 30 minutes end the attempt. Once confirmed, the
address is the customer's e-mail and the old address gets a notice that it changed, without the new
address or anything else in it. Audited without personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import addresses, audit
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.customers.sealed import EMAIL, open_email
from gateway.errors import GatewayError, NotFound, ValidationFailed
from gateway.ids import new_id
from gateway.storage.schema import customers, email_changes

PENDING_FIELD = "customer.email_pending"
VALID_FOR = timedelta(minutes=30)
MAX_ATTEMPTS = 5


class CodeRefused(GatewayError):
    """A wrong, expired or used-up code (the message says which, never the code or an address)."""


@dataclass(frozen=True)
class Confirmed:
    old_email: str
    new_email: str


def _hash(change_id: str, code: str) -> str:
    return hashlib.sha256(f"{change_id}:{code}".encode()).hexdigest()


def check_email(value: str) -> str:
    if not addresses.is_addr_spec(value):
        raise ValidationFailed([{"field": "email", "detail": "must be one plain e-mail address"}])
    return value


async def request(engine: AsyncEngine, crypto: Crypto, customer_id: str, new_email: str, *,
                  clock: Clock = SYSTEM) -> str:
    """Start a change (replacing any unfinished one); returns the code to send to `new_email`."""
    email = check_email(new_email)
    code = f"{secrets.randbelow(10**8):08d}"
    change_id, now = new_id(), clock.now()
    async with engine.begin() as conn:
        wrapped = (await conn.execute(select(customers.c.key_wrapped).where(
            customers.c.id == customer_id, customers.c.erased_at.is_(None)))).scalar()
        if wrapped is None:
            raise NotFound("customer not found or erased")
        key = crypto.open_customer_key(customer_id, wrapped)
        await conn.execute(delete(email_changes).where(email_changes.c.customer_id == customer_id,
                                                       email_changes.c.confirmed_at.is_(None)))
        await conn.execute(email_changes.insert().values(
            id=change_id, customer_id=customer_id, email_enc=crypto.seal(key, PENDING_FIELD, email.encode()),
            code_hash=_hash(change_id, code), attempts=0, created_at=now, expires_at=now + VALID_FOR))
        await audit.append(conn, audit.Entry(f"customer:{customer_id}", "customer.email_change.request", customer_id))
    return code


async def confirm(engine: AsyncEngine, crypto: Crypto, customer_id: str, code: str, *,
                  clock: Clock = SYSTEM) -> Confirmed:
    """Make the pending address the customer's e-mail if `code` is right; CodeRefused otherwise."""
    now = clock.now()
    async with engine.begin() as conn:
        change = (await conn.execute(select(email_changes).where(
            email_changes.c.customer_id == customer_id, email_changes.c.confirmed_at.is_(None)))).first()
        if change is None or change.expires_at <= now or change.attempts >= MAX_ATTEMPTS:
            raise CodeRefused("There is no change of e-mail address waiting for a code; start again")
        right = hmac.compare_digest(change.code_hash, _hash(change.id, code.strip()))
        if not right:  # the attempt must count: commit it, then refuse (raising here would roll it back)
            await conn.execute(update(email_changes).where(email_changes.c.id == change.id)
                               .values(attempts=email_changes.c.attempts + 1))
    if not right:
        raise CodeRefused(f"The code is not right ({MAX_ATTEMPTS - change.attempts - 1} attempts left)")
    async with engine.begin() as conn:
        row = (await conn.execute(select(customers.c.key_wrapped, customers.c.email_enc).where(
            customers.c.id == customer_id, customers.c.erased_at.is_(None)))).one()
        key = crypto.open_customer_key(customer_id, row.key_wrapped)
        new_email = crypto.open(key, PENDING_FIELD, change.email_enc).decode()
        old_email = open_email(crypto, key, row.email_enc)
        await conn.execute(update(customers).where(customers.c.id == customer_id).values(
            email_enc=crypto.seal(key, EMAIL, new_email.encode()), updated_at=now))
        confirmed = await conn.execute(update(email_changes).where(
            email_changes.c.id == change.id, email_changes.c.confirmed_at.is_(None)).values(confirmed_at=now))
        if not confirmed.rowcount:  # confirmed by a concurrent request a moment ago
            raise CodeRefused("There is no change of e-mail address waiting for a code; start again")
        await audit.append(conn, audit.Entry(f"customer:{customer_id}", "customer.email_change.confirm", customer_id))
    return Confirmed(old_email, new_email)
