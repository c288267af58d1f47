"""What the privacy tests share: a gateway without the worker (so notifications stay pending), a
customer with a message, reply and attachment, and a snapshot of every row (a database backup)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.crypto import Crypto, CustomerKey, DecryptionError
from gateway.storage.schema import attachments, customers, messages, metadata, replies
from tests.support.factories import CANARIES, canary_notice
from tests.support.factories import CANARY_PDF as PDF
from tests.support.service import Gateway

Snapshot = dict[str, list[dict[str, Any]]]


async def add_customer_with_message(gw: Gateway, token: str, customer_id: str, email: str) -> str:
    status, body, _ = await gw.request("PUT", f"/api/v1/customers/{customer_id}", token=token, json={
        "email": email, "name": CANARIES["name"], "language": "nb", "national_id": CANARIES["national_id"]})
    assert status in (200, 201), body
    status, body, _ = await gw.request("POST", "/api/v1/messages", token=token, json=canary_notice(customer_id),
                                       headers={"Idempotency-Key": f"m-{customer_id}"})
    assert status == 201, body
    return str(body["id"])


async def snapshot(engine: AsyncEngine) -> Snapshot:
    """Every row of every table: what a backup of the database holds."""
    async with engine.connect() as conn:
        return {table.name: [dict(row._mapping) for row in await conn.execute(select(table))]
                for table in metadata.sorted_tables}


def readable(crypto: Crypto, copy: Snapshot, customer_id: str) -> dict[str, bytes]:
    """Everything of one customer in a copy that `crypto` can open; raises DecryptionError at the
    first record that does not open (the customer key comes first)."""
    row = next(r for r in copy["customers"] if r["id"] == customer_id)
    key: CustomerKey = crypto.open_customer_key(customer_id, row["key_wrapped"])
    found = {"email": crypto.open(key, "customer.email", row["email_enc"]),
             "name": crypto.open(key, "customer.name", row["name_enc"])}
    for msg in (r for r in copy[messages.name] if r["customer_id"] == customer_id):
        dk = crypto.open_data_key(key, msg["id"], msg["key_wrapped"])
        found[f"{msg['id']}.subject"] = crypto.open(dk, "message.subject", msg["subject_enc"])
        for att in (r for r in copy[attachments.name] if r["message_id"] == msg["id"]):
            ak = crypto.open_data_key(key, att["id"], att["key_wrapped"])
            found[f"{att['id']}.content"] = crypto.open(ak, "attachment.content", att["content_enc"])
    for rep in (r for r in copy[replies.name] if r["customer_id"] == customer_id):
        rk = crypto.open_data_key(key, rep["id"], rep["key_wrapped"])
        found[f"{rep['id']}.body"] = crypto.open(rk, "reply.body", rep["body_enc"])
    return found


def opens_nothing(crypto: Crypto, copy: Snapshot, customer_id: str) -> bool:
    try:
        readable(crypto, copy, customer_id)
    except DecryptionError:
        return True
    return False


def held(copy: Snapshot, table: str, customer_id: str) -> int:
    column = "id" if table == customers.name else "customer_id"
    return sum(1 for row in copy[table] if row[column] == customer_id)


EXPECTED_PDF = PDF
