"""Customers: contact data kept current by billing, encrypted under each customer's own key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import audit, national_id, validate
from gateway.crypto import Crypto, CustomerErased, CustomerKey
from gateway.customers.sealed import open_email, sealed_fields
from gateway.errors import Conflict, NotFound
from gateway.storage.schema import customers
from gateway.storage.types import utcnow

LANGUAGES = ("nb", "nn", "en")
NORWAY = ZoneInfo("Europe/Oslo")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIELDS = {"email", "name", "language", "national_id", "last_invoice_settled_at", "relationship_ended_at"}


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


def parse_customer(customer_id: str, payload: Any) -> CustomerInput:
    body = validate.require_object(payload)
    errors = validate.Errors()
    validate.identifier(customer_id, "customer_id", errors)
    validate.reject_unknown(body, _FIELDS, errors)
    email = validate.email(validate.string(body, "email", errors, required=True, max_len=254), "email", errors)
    language = validate.choice(body, "language", LANGUAGES, errors)
    name = validate.string(body, "name", errors, required=False, max_len=200)
    nid = validate.string(body, "national_id", errors, required=False, max_len=20)
    if nid is not None and not national_id.is_valid(nid):
        errors.add("national_id", "must be a valid Norwegian national identity number (11 digits, check digits)")
    settled = date_or_timestamp(body, "last_invoice_settled_at", errors)
    ended = date_or_timestamp(body, "relationship_ended_at", errors)
    errors.raise_if_any()
    assert email is not None and language is not None
    return CustomerInput(
        email, language, name, national_id.normalise(nid) if nid else None, settled, ended
    )


def date_or_timestamp(body: dict[str, Any], key: str, errors: validate.Errors) -> datetime | None:
    """An RFC 3339 timestamp, or a plain date ("2026-10-31"): the start of that day in Norway, as
    billing means it (issue 13)."""
    value = body.get(key)
    if isinstance(value, str) and _PLAIN_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            errors.add(key, "must be a date (YYYY-MM-DD) or an RFC 3339 date-time string")
            return None
        return datetime(day.year, day.month, day.day, tzinfo=NORWAY).astimezone(UTC)
    return validate.timestamp(body, key, errors)


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
                select(customers.c.key_wrapped, customers.c.erased_at).where(customers.c.id == customer_id)
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
