"""Customers' requests for correction or erasure: cases that the staff console lists and answers,
and whose status the customer sees in the portal. The customer's words are sealed under their key;
the case itself (kind, status, dates) is in clear. Audited without personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import audit
from gateway.clock import SYSTEM, Clock
from gateway.crypto import Crypto
from gateway.errors import NotFound, ValidationFailed
from gateway.ids import new_id
from gateway.storage.schema import customers, privacy_requests

KINDS = ("correction", "erasure")
ANSWERS = ("done", "refused")
TEXT_FIELD = "privacy_request.text"
MAX_TEXT = 2000


@dataclass(frozen=True)
class Case:
    id: str
    customer_id: str
    kind: str
    status: str
    created_at: datetime
    answered_at: datetime | None
    text: str | None = None  # opened only for the staff console


async def create(engine: AsyncEngine, crypto: Crypto, customer_id: str, kind: str, text: str, *,
                 clock: Clock = SYSTEM) -> str:
    if kind not in KINDS:
        raise ValidationFailed([{"field": "kind", "detail": "must be correction or erasure"}])
    if len(text) > MAX_TEXT:
        raise ValidationFailed([{"field": "text", "detail": f"must be at most {MAX_TEXT} characters"}])
    case_id = new_id()
    async with engine.begin() as conn:
        wrapped = (await conn.execute(select(customers.c.key_wrapped).where(
            customers.c.id == customer_id, customers.c.erased_at.is_(None)))).scalar()
        if wrapped is None:
            raise NotFound("customer not found or erased")
        key = crypto.open_customer_key(customer_id, wrapped)
        sealed = crypto.seal(key, TEXT_FIELD, text.encode()) if text.strip() else None
        await conn.execute(privacy_requests.insert().values(
            id=case_id, customer_id=customer_id, kind=kind, text_enc=sealed, status="open",
            created_at=clock.now()))
        await audit.append(conn, audit.Entry(f"customer:{customer_id}", f"privacy_request.{kind}", case_id))
    return case_id


async def for_customer(conn: AsyncConnection, customer_id: str) -> list[Case]:
    """The customer's cases, newest first (status only: the portal shows no text back)."""
    rows = await conn.execute(select(privacy_requests).where(privacy_requests.c.customer_id == customer_id)
                              .order_by(privacy_requests.c.created_at.desc(), privacy_requests.c.id))
    return [Case(r.id, r.customer_id, r.kind, r.status, r.created_at, r.answered_at) for r in rows]


async def open_cases(conn: AsyncConnection, crypto: Crypto) -> list[Case]:
    """Every open case, oldest first, with the customer's words (for the staff console)."""
    rows = (await conn.execute(_WITH_KEY.where(privacy_requests.c.status == "open")
                               .order_by(privacy_requests.c.created_at))).all()
    return [_opened(crypto, r) for r in rows]


async def answer(engine: AsyncEngine, case_id: str, status: str, actor: str, *, clock: Clock = SYSTEM) -> None:
    """Close a case as done or refused (the console's answer); audited with the staff actor."""
    if status not in ANSWERS:
        raise ValidationFailed([{"field": "status", "detail": "must be done or refused"}])
    async with engine.begin() as conn:
        done = await conn.execute(update(privacy_requests)
                                  .where(privacy_requests.c.id == case_id, privacy_requests.c.status == "open")
                                  .values(status=status, answered_at=clock.now(), answered_by=actor))
        if not done.rowcount:
            raise NotFound("no open case with this id")
        await audit.append(conn, audit.Entry(actor, f"privacy_request.{status}", case_id))


async def case(conn: AsyncConnection, crypto: Crypto, case_id: str) -> Case | None:
    """One case, open or answered, with the customer's words (for the staff console's case page)."""
    row = (await conn.execute(_WITH_KEY.where(privacy_requests.c.id == case_id))).first()
    return None if row is None else _opened(crypto, row)


_WITH_KEY = (select(privacy_requests, customers.c.key_wrapped)
             .join(customers, customers.c.id == privacy_requests.c.customer_id))


def _opened(crypto: Crypto, r: Any) -> Case:
    text = None
    if r.text_enc is not None and r.key_wrapped is not None:
        key = crypto.open_customer_key(r.customer_id, r.key_wrapped)
        text = crypto.open(key, TEXT_FIELD, r.text_enc).decode()
    return Case(r.id, r.customer_id, r.kind, r.status, r.created_at, r.answered_at, text)
