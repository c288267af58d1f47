"""Finding a customer through the blind indexes, never by scanning or decrypting the table: the
query is turned into its keyed indexes (e-mail, national id) and looked up with the customer id
in one statement, the same for a hit and a miss."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import customers as customer_data
from gateway.crypto import Crypto
from gateway.identifiers import valid_national_id
from gateway.storage.schema import customers, messages, notifications

_FIND = (select(customers.c.id)
         .where(or_(customers.c.id == bindparam("id"), customers.c.email_index == bindparam("email"),
                    customers.c.national_id_index == bindparam("nid")), customers.c.erased_at.is_(None)))
HOT_STATEMENTS = (_FIND,)
_NO_MATCH = "-"  # an index value no row has (indexes are 64 hex digits)


def indexes(crypto: Crypto, query: str) -> dict[str, str]:
    """The query as each thing it could be; what it cannot be gets a value that matches nothing."""
    query = query.strip()
    compact = "".join(query.split())
    return {
        "id": query if query else _NO_MATCH,
        "email": crypto.email_index(query) if "@" in query else _NO_MATCH,
        "nid": crypto.blind_index(compact) if valid_national_id(compact) else _NO_MATCH,
    }


async def find(conn: Any, crypto: Crypto, query: str) -> str | None:
    """The one customer the query names, or None (none, or ambiguous)."""
    rows = (await conn.execute(_FIND, indexes(crypto, query))).all()
    return str(rows[0].id) if len(rows) == 1 else None


@dataclass(frozen=True)
class Summary:
    id: str
    name: str | None
    language: str
    undeliverable_since: datetime | None = None  # repeated hard bounces (gateway/inbound/bounces.py)


async def summary(conn: AsyncConnection, crypto: Crypto, customer_id: str) -> Summary | None:
    row = (await conn.execute(select(customers).where(customers.c.id == customer_id,
                                                      customers.c.erased_at.is_(None)))).first()
    if row is None or row.key_wrapped is None:
        return None
    key = crypto.open_customer_key(customer_id, row.key_wrapped)
    return Summary(customer_id, customer_data.open_contact(crypto, key, row)["name"], row.language,
                   row.email_undeliverable_at)


@dataclass(frozen=True)
class Listed:
    id: str
    category: str
    created_at: datetime
    status: str
    attempts: int
    read_at: datetime | None
    author: str
    bounce_status: str | None = None  # the SMTP status code of a bounce, e.g. "5.1.1"
    bounce_diagnostic: str | None = None  # the remote server's cleaned words, never content
    bounced_at: datetime | None = None


async def messages_of(conn: AsyncConnection, customer_id: str, limit: int = 100) -> list[Listed]:
    """The customer's messages, newest first, with delivery status: no content."""
    rows = await conn.execute(
        select(messages.c.id, messages.c.category, messages.c.created_at, messages.c.read_at, messages.c.client_id,
               notifications.c.status, notifications.c.attempts, notifications.c.bounce_status,
               notifications.c.bounce_diagnostic, notifications.c.bounced_at)
        .join(notifications, notifications.c.message_id == messages.c.id)
        .where(messages.c.customer_id == customer_id)
        .order_by(messages.c.created_at.desc()).limit(limit))
    return [Listed(r.id, r.category, r.created_at, r.status, r.attempts, r.read_at,
                   "staff" if r.client_id.startswith("staff:") else "billing", r.bounce_status,
                   r.bounce_diagnostic, r.bounced_at) for r in rows]
