"""Test data, made the way users make it: customers and messages over the billing API (HTTP), or
stored directly through the same functions the API calls (for outbox and worker tests that need
hundreds of rows quickly). The canary values must never appear in e-mails, logs or URLs."""

from __future__ import annotations

import base64
from typing import Any

from gateway import billing, customers
from gateway import billing as messages
from gateway.web.services import Services
from tests.support.service import Gateway

NATIONAL_ID = "01817010055"  # synthetic test number (month + 80)
CANARIES = {
    "national_id": NATIONAL_ID,
    "account": "1503.12.34567",
    "amount": "9 876,54",
    "name": "Ragnhild Canaryson",
    "subject": "Canary subject Zebulon",
    "body": "Canary body text Quixotic",
    "attachment": "CANARYATTACHMENTBYTES",
    "attachment_name": "canary-attachment-name.pdf",
}
CANARY_PDF = b"%PDF-1.4\n" + CANARIES["attachment"].encode() + b"\n%%EOF\n"
PDF = b"%PDF-1.4\nCANARY-ATTACHMENT-BYTES\n%%EOF\n"


# ---------------------------------------------------------------- over HTTP


async def put_customer(gw: Gateway, token: str, customer_id: str = "c-1", *, email: str | None = None,
                       language: str = "nb", name: str | None = None, national_id: str | None = None,
                       **extra: Any) -> None:
    """PUT /api/v1/customers/{id}; by default `<id>@example.no`, named "Name of <id>"."""
    body: dict[str, Any] = {"email": email or f"{customer_id}@example.no", "name": name or f"Name of {customer_id}",
                            "language": language, **extra}
    if national_id:
        body["national_id"] = national_id
    status, answer, _ = await gw.request("PUT", f"/api/v1/customers/{customer_id}", token=token, json=body)
    assert status in (200, 201), answer


async def put_canary_customer(gw: Gateway, token: str, customer_id: str = "c-1", language: str = "nb",
                              email: str = "ragnhild@example.no") -> None:
    """A customer whose name and national id are canaries."""
    await put_customer(gw, token, customer_id, email=email, language=language, name=CANARIES["name"],
                       national_id=NATIONAL_ID)


def notice(customer_id: str = "c-1", **changes: Any) -> dict[str, Any]:
    """A plain invoice notice; a change to None leaves the field out."""
    body: dict[str, Any] = {"customer_id": customer_id, "category": "invoice", "subject": "Faktura",
                            "body": "Fakturaen din er klar."}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def canary_notice(customer_id: str = "c-1", **extra: object) -> dict[str, object]:
    """A notice whose subject, body and attachment carry canaries."""
    body: dict[str, object] = {
        "customer_id": customer_id,
        "category": "invoice",
        "subject": CANARIES["subject"],
        "body": f"{CANARIES['body']}: {CANARIES['amount']} kr til konto {CANARIES['account']}, "
                f"fødselsnummer {CANARIES['national_id']}",
        "attachments": [{"filename": CANARIES["attachment_name"], "content_type": "application/pdf",
                         "content_base64": base64.b64encode(CANARY_PDF).decode()}],
    }
    body.update(extra)
    return body


async def post_message(gw: Gateway, token: str, key: str, body: dict[str, Any] | None = None) -> str:
    """POST /api/v1/messages with an Idempotency-Key; returns the new message's id."""
    status, answer, _ = await gw.request("POST", "/api/v1/messages", token=token, json=body or notice(),
                                         headers={"Idempotency-Key": key})
    assert status == 201, answer
    return str(answer["id"])


async def send(gw: Gateway, token: str, customer_id: str, key: str, *, subject: str = "Subject",
               body: str = "Body text", attachment: tuple[str, str, bytes] | None = ("faktura.pdf",
               "application/pdf", PDF), **extra: Any) -> str:
    """A message with (by default) one PDF attachment; returns its id."""
    fields: dict[str, Any] = {"customer_id": customer_id, "category": "invoice", "subject": subject,
                              "body": body, **extra}
    if attachment is not None:
        name, ctype, content = attachment
        fields["attachments"] = [{"filename": name, "content_type": ctype,
                                  "content_base64": base64.b64encode(content).decode()}]
    return await post_message(gw, token, key, fields)


# ---------------------------------------------------------------- stored directly


async def store_customer(services: Services, customer_id: str = "c-1", email: str = "kunde@example.no",
                         language: str = "nb") -> None:
    data = billing.parse_customer(customer_id, {"email": email, "language": language, "name": "Test Kunde"})
    await customers.upsert(services.engine, services.crypto, customer_id, data, actor="test")


async def customers_with_an_unrenderable_language(services: Services) -> None:
    """Customers "c-nb" and "c-en", the en notification template made to raise when rendered (it
    uses a variable the sandbox does not have): an en job fails while the nb ones go through."""
    renderer = services.notifications
    renderer.templates[("en", "txt")] = renderer.text_env.from_string("{{ customer_name }}")
    await store_customer(services, "c-nb", language="nb")
    await store_customer(services, "c-en", email="en@example.no", language="en")


async def create_notices(services: Services, count: int, customer_id: str = "c-1",
                         prefix: str = "n") -> list[str]:
    """Store `count` notices (message + outbox row each) the way the batch API does; return the ids."""
    ids: list[str] = []
    for start in range(0, count, 1000):
        items = [
            (f"{prefix}-{i}", messages.parse_message(
                {"customer_id": customer_id, "category": "invoice", "subject": "Faktura",
                 "body": f"Fakturaen din nummer {i} er klar."}, 1024))
            for i in range(start, min(count, start + 1000))
        ]
        outcomes = await messages.create_many(services, "test-client", items)
        assert all(o.error is None for o in outcomes), [o.error for o in outcomes if o.error]
        ids.extend(o.id for o in outcomes if o.id)
    return ids
