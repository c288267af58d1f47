"""Address claimed jobs: each job's message with its customer's language and e-mail address (opened
through customers.sealed, the one place contact data is decrypted)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.crypto import Crypto, CustomerKey, DecryptionError
from gateway.customers.sealed import open_email
from gateway.delivery.outbox import Job
from gateway.storage import reading
from gateway.storage.schema import customers, messages

log = logging.getLogger("gateway.worker")

UNDELIVERABLE = "address undeliverable after repeated hard bounces"


@dataclass(frozen=True)
class Envelope:
    """What one notification needs: who, in which language, and about what."""

    email: str
    language: str
    category: str
    sensitive: bool
    created_at: datetime


async def envelopes(engine: AsyncEngine, crypto: Crypto, jobs: list[Job]) -> dict[str, Envelope | str]:
    """Decrypt each job's address; a job that cannot be addressed maps to a reason."""
    by_message = {job.message_id: job for job in jobs}
    async with reading(engine) as conn:
        rows = (await conn.execute(
            select(messages.c.id, messages.c.category, messages.c.sensitivity, messages.c.created_at,
                   customers.c.id.label("customer_id"), customers.c.key_wrapped,
                   customers.c.email_enc, customers.c.language, customers.c.email_undeliverable_at)
            .join(customers, customers.c.id == messages.c.customer_id)
            .where(messages.c.id.in_(list(by_message)))
        )).all()
    keys: dict[str, CustomerKey] = {}
    result: dict[str, Envelope | str] = {}
    for row in rows:
        job = by_message[row.id]
        if row.key_wrapped is None or row.email_enc is None:
            result[job.id] = "customer erased"
            continue
        if row.email_undeliverable_at is not None:  # until billing or the customer changes it
            result[job.id] = UNDELIVERABLE
            continue
        try:
            if row.customer_id not in keys:
                keys[row.customer_id] = crypto.open_customer_key(row.customer_id, row.key_wrapped)
            email = open_email(crypto, keys[row.customer_id], row.email_enc)
        except DecryptionError:
            log.error("contact data failed to decrypt", extra={"message_id": row.id})
            result[job.id] = "contact data cannot be decrypted"
            continue
        result[job.id] = Envelope(email, row.language, row.category, row.sensitivity == "sensitive",
                                  row.created_at)
    return result
