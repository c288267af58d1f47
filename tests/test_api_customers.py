"""Customer upsert, and proof that personal data and content are stored only encrypted."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import LargeBinary, select, text

from gateway.storage.schema import customers, metadata
from gateway.storage.types import utcnow
from tests.support.factories import CANARIES, NATIONAL_ID, canary_notice, put_canary_customer
from tests.support.service import Gateway, wait_for

CUSTOMER = {"email": "ola@example.no", "name": "Ola Nordmann", "language": "nb", "national_id": NATIONAL_ID,
            "last_invoice_settled_at": "2026-10-01T12:00:00Z", "relationship_ended_at": None}


async def test_put_creates_then_updates_without_echoing_personal_data(gateway: Gateway) -> None:
    token = await gateway.token("customers:write")
    status, body, _ = await gateway.request("PUT", "/api/v1/customers/c-9", token=token, json=CUSTOMER)
    assert (status, body) == (201, {"id": "c-9"})
    status, body, _ = await gateway.request("PUT", "/api/v1/customers/c-9", token=token,
                                            json={**CUSTOMER, "email": "ny@example.no", "language": "en"})
    assert (status, body) == (200, {"id": "c-9"})
    services = gateway.services
    async with services.engine.connect() as conn:
        row = (await conn.execute(select(customers).where(customers.c.id == "c-9"))).one()
    key = services.crypto.open_customer_key("c-9", row.key_wrapped)
    assert services.crypto.open(key, "customer.email", row.email_enc) == b"ny@example.no"
    assert row.language == "en"
    assert row.national_id_index == services.crypto.blind_index(NATIONAL_ID)
    assert row.last_invoice_settled_at.isoformat() == "2026-10-01T12:00:00+00:00"


BAD_CUSTOMERS: list[tuple[str, dict[str, Any], str]] = [
    ("no email", {"language": "nb"}, "email"),
    ("bad email", {**CUSTOMER, "email": "not-an-address"}, "email"),
    ("bad language", {**CUSTOMER, "language": "sv"}, "language"),
    ("national id checksum", {**CUSTOMER, "national_id": "01817010056"}, "national_id"),
    ("national id length", {**CUSTOMER, "national_id": "123"}, "national_id"),
    ("bad date", {**CUSTOMER, "last_invoice_settled_at": "yesterday"}, "last_invoice_settled_at"),
    ("naive date", {**CUSTOMER, "relationship_ended_at": "2026-01-01T00:00:00"}, "relationship_ended_at"),
    *[(f"date {value} out of range", {**CUSTOMER, field: value}, field)  # was a 500 (datetime overflow)
      for field, value in (("relationship_ended_at", "0001-01-01"),
                           ("relationship_ended_at", "0001-01-01T00:00:00+01:00"),
                           ("last_invoice_settled_at", "9999-12-31T23:59:59-14:00"),
                           ("last_invoice_settled_at", "9999-12-31"), ("last_invoice_settled_at", "1899-12-31"))],
    ("unknown field", {**CUSTOMER, "phone": "123"}, "phone"),
    ("name not text", {**CUSTOMER, "name": 5}, "name"),
]


@pytest.mark.parametrize("case, body, field", BAD_CUSTOMERS, ids=[c[0] for c in BAD_CUSTOMERS])
async def test_bad_customer_is_422_and_not_stored(gateway: Gateway, case: str, body: dict[str, Any],
                                                  field: str) -> None:
    token = await gateway.token("customers:write")
    status, problem, response = await gateway.request("PUT", "/api/v1/customers/c-1", token=token, json=body)
    assert status == 422 and response.content_type == "application/problem+json"
    assert field in {e["field"] for e in problem["errors"]}
    # The error never repeats the personal data it refused.
    for value in (body.get("national_id"), body.get("email")):
        if value and value != CUSTOMER["email"]:
            assert str(value) not in str(problem)
    async with gateway.services.engine.connect() as conn:
        assert (await conn.execute(select(customers.c.id))).all() == []


async def test_bad_customer_id_in_path(gateway: Gateway) -> None:
    token = await gateway.token("customers:write")
    status, problem, _ = await gateway.request("PUT", "/api/v1/customers/%20bad%20id", token=token, json=CUSTOMER)
    assert status == 422 and problem["errors"][0]["field"] == "customer_id"


async def test_erased_customer_id_cannot_be_reused(gateway: Gateway) -> None:
    token = await gateway.token("customers:write")
    await gateway.request("PUT", "/api/v1/customers/c-1", token=token, json=CUSTOMER)
    async with gateway.services.engine.begin() as conn:
        await conn.execute(customers.update().values(key_wrapped=None, email_enc=None, erased_at=utcnow()))
    status, problem, _ = await gateway.request("PUT", "/api/v1/customers/c-1", token=token, json=CUSTOMER)
    assert status == 409 and problem["status"] == 409


def _canary_bytes() -> list[tuple[str, bytes]]:
    values = dict(CANARIES, email="ragnhild@example.no")
    return [(name, value.encode()) for name, value in values.items()]


async def test_database_holds_no_personal_data_or_content_in_plaintext(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_canary_customer(gateway, token)
    await gateway.request("POST", "/api/v1/messages", token=token, json=canary_notice(),
                          headers={"Idempotency-Key": "canary"})
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    url = gateway.services.settings.database_url
    if url.startswith("sqlite"):
        await gateway.services.engine.dispose()  # checkpoint the WAL into the file
        path = Path(url.split(":///", 1)[1])
        blobs = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    else:
        blobs = await _dump_postgres(gateway)
    for name, canary in _canary_bytes():
        assert canary not in blobs, f"{name} stored in plaintext"
        assert base64.b64encode(canary) not in blobs, f"{name} stored as base64"
    assert b"c-1" in blobs  # ids are in clear, so the dump above really saw the rows


async def _dump_postgres(gateway: Gateway) -> bytes:
    """Every column of every table, as PostgreSQL's text output."""
    parts: list[bytes] = []
    async with gateway.services.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = await conn.execute(text(f"SELECT t::text FROM {table.name} t"))
            parts.extend(r[0].encode() for r in rows)
            rows = await conn.execute(text(
                f"SELECT encode(convert_to(t::text, 'UTF8'), 'escape') FROM {table.name} t"))
            parts.extend(r[0].encode() for r in rows)
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, LargeBinary):
                    rows = await conn.execute(text(f"SELECT {column.name} FROM {table.name} "
                                                   f"WHERE {column.name} IS NOT NULL"))
                    parts.extend(bytes(r[0]) for r in rows)
    return b"\n".join(parts)
