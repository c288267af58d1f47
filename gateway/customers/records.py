"""Customers: contact data kept current by billing, encrypted under each customer's own key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import audit
from gateway.crypto import Crypto, CustomerErased, CustomerKey
from gateway.customers.sealed import open_email, sealed_fields
from gateway.errors import Conflict, NotFound
from gateway.storage.schema import customers
from gateway.storage.types import utcnow

LANGUAGES = ("nb", "nn", "en")
NORWAY = ZoneInfo("Europe/Oslo")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CustomerInput:
    email: str
    language: str
    name: str | None
    national_id: str | None
    last_invoice_settled_at: datetime | None
    relationship_ended_at: datetime | None


@dataclass(frozen=True)
class Contact:
    """What the outbox needs to address a notification."""

    customer_id: str
    email: str
    language: str


def day_or_moment(value: str) -> datetime:
    """Billing's dates (issue 13): an RFC 3339 timestamp with its offset, or a plain date
    ("2026-10-31"), which means the start of that day in Norway. ValueError otherwise."""
    if _PLAIN_DATE.fullmatch(value):
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=NORWAY).astimezone(UTC)
    moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone offset")
    return moment


def _encrypted_fields(crypto: Crypto, key: CustomerKey, data: CustomerInput) -> dict[str, Any]:
    return {
        **sealed_fields(crypto, key, data),
        "language": data.language,
        "last_invoice_settled_at": data.last_invoice_settled_at,
        "relationship_ended_at": data.relationship_ended_at,
    }


async def upsert(
    engine: AsyncEngine, crypto: Crypto, customer_id: str, data: CustomerInput, actor: str
) -> bool:
    """Create or replace a customer's contact data. Returns True when the customer is new."""
    now = utcnow()
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                select(customers.c.key_wrapped, customers.c.erased_at, customers.c.email_index)
                .where(customers.c.id == customer_id)
            )
        ).first()
        if row is not None and row.erased_at is not None:
            raise Conflict("This customer was erased; its id cannot be used again")
        if row is None:
            try:
                key = crypto.new_customer_key(customer_id)
            except CustomerErased:  # the key store remembers erasures a restored database forgot
                raise Conflict("This customer was erased; its id cannot be used again") from None
            values = _encrypted_fields(crypto, key, data)
            await conn.execute(
                customers.insert().values(
                    id=customer_id,
                    key_wrapped=key.wrapped,
                    kek_id=Crypto.kek_id_of(key.wrapped),
                    shreddable=crypto.keystore is not None,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        else:
            key = crypto.open_customer_key(customer_id, row.key_wrapped)
            values = _encrypted_fields(crypto, key, data)
            if values["email_index"] != row.email_index:
                # A new address starts afresh: an undeliverable mark belongs to the old one.
                values.update(email_hard_bounces=0, email_undeliverable_at=None)
            await conn.execute(
                update(customers).where(customers.c.id == customer_id).values(updated_at=now, **values)
            )
        action = "customer.create" if row is None else "customer.update"
        await audit.append(conn, audit.Entry(actor, action, customer_id))
    return row is None


async def contact(conn: AsyncConnection, crypto: Crypto, customer_id: str) -> Contact:
    row = (
        await conn.execute(
            select(customers.c.key_wrapped, customers.c.email_enc, customers.c.language).where(
                customers.c.id == customer_id
            )
        )
    ).first()
    if row is None or row.key_wrapped is None or row.email_enc is None:
        raise NotFound("customer not found or erased")
    key = crypto.open_customer_key(customer_id, row.key_wrapped)
    email = open_email(crypto, key, row.email_enc)
    return Contact(customer_id, email, row.language)
