"""The right of correction: billing corrects through the upsert; in the portal the customer changes
the notification e-mail (a code to the new address, a content-free notice to the old one) and asks
for correction or erasure, cases the staff console answers and whose status the portal shows."""

from __future__ import annotations

import io
import json
import re
import zipfile

from sqlalchemy import select

from gateway.customers import open_email
from gateway.privacy import requests
from gateway.storage import reading
from gateway.storage.schema import audit_log, customers
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway, wait_for


async def stored_email(gw: Gateway, customer_id: str) -> str:
    async with gw.services.engine.connect() as conn:
        row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).one()
    key = gw.services.crypto.open_customer_key(customer_id, row.key_wrapped)
    return open_email(gw.services.crypto, key, row.email_enc)


async def test_billing_corrects_contact_data_through_the_upsert(gateway: Gateway) -> None:
    token = await gateway.token("customers:write")
    await add_customer(gateway, token, "c-b", email="first@example.no")
    await add_customer(gateway, token, "c-b", email="second@example.no")
    assert await stored_email(gateway, "c-b") == "second@example.no"


async def test_customer_changes_the_notification_email_with_a_code(gateway: Gateway) -> None:
    token = await gateway.token("customers:write")
    await add_customer(gateway, token, "c-e", email="old@example.no")
    portal = PortalClient(gateway)
    await portal.sign_in("c-e", next_path="/portal/my-data")
    page = await portal.get("/portal/my-data/email")
    assert page.status == 200
    bad = await portal.post("/portal/my-data/email", {"email": "not an address"})
    assert bad.status == 422 and gateway.sink.mails == []
    page = await portal.post("/portal/my-data/email", {"email": "new@example.no"})
    assert page.status == 200 and 'action="/portal/my-data/email/confirm"' in page.text
    await wait_for(lambda: len(gateway.sink.mails) == 1)
    to_new = gateway.sink.mails[0]
    assert to_new.rcpt_tos == ("new@example.no",)
    text = to_new.message.get_content()
    code = re.search(r"\b(\d{8})\b", text).group(1)
    links = re.findall(r"https?://\S+", text)
    assert links and all(code not in link for link in links)  # the code is never in a URL
    assert await stored_email(gateway, "c-e") == "old@example.no"  # nothing changes before the code

    wrong = "00000000" if code != "00000000" else "11111111"
    page = await portal.post("/portal/my-data/email/confirm", {"code": wrong})
    assert page.status == 422
    page = await portal.post("/portal/my-data/email/confirm", {"code": code})
    assert page.status == 303 and page.location == "/portal/my-data?email_changed=1"
    assert await stored_email(gateway, "c-e") == "new@example.no"
    await wait_for(lambda: len(gateway.sink.mails) == 2)
    to_old = gateway.sink.mails[1]
    assert to_old.rcpt_tos == ("old@example.no",)
    assert "new@example.no" not in to_old.raw.decode() and code not in to_old.raw.decode()
    await portal.get("/portal/my-data")
    page = await portal.post("/portal/my-data/email/confirm", {"code": code})  # used up
    assert page.status == 422
    async with gateway.services.engine.connect() as conn:
        entries = (await conn.execute(select(audit_log.c.action, audit_log.c.details)
                                      .where(audit_log.c.action.like("customer.email_change%")))).all()
    assert [e.action for e in entries] == ["customer.email_change.request", "customer.email_change.confirm"]
    assert "example.no" not in json.dumps([e.details for e in entries])
    await portal.close()


async def test_correction_and_erasure_requests_are_cases_with_a_status(gateway: Gateway) -> None:
    token = await gateway.token("customers:write")
    await add_customer(gateway, token, "c-r")
    portal = PortalClient(gateway)
    await portal.sign_in("c-r", next_path="/portal/my-data")
    await portal.get("/portal/my-data")
    page = await portal.post("/portal/my-data/requests", {"kind": "correction", "text": "My name is misspelt"})
    assert page.status == 303 and page.location == "/portal/my-data?request=sent"
    page = await portal.get("/portal/my-data")
    assert "Under behandling" in page.text and "My name is misspelt" not in page.text
    async with reading(gateway.services.engine) as conn:
        cases = await requests.open_cases(conn, gateway.services.crypto)
    assert [(c.customer_id, c.kind, c.text) for c in cases] == [("c-r", "correction", "My name is misspelt")]
    await requests.answer(gateway.services.engine, cases[0].id, "done", "staff:anna")
    export_token = await gateway.token("customers:export")
    _, archive, _ = await gateway.request("GET", "/api/v1/customers/c-r/export", token=export_token)
    index = json.loads(zipfile.ZipFile(io.BytesIO(archive)).read("index.json"))
    assert [(r["kind"], r["status"], r["text"]) for r in index["requests"]] == [
        ("correction", "done", "My name is misspelt")]
    assert ("staff:anna", "privacy_request.done") in [(e["actor"], e["action"]) for e in index["audit"]]
    page = await portal.get("/portal/my-data")
    assert "Utført" in page.text and "Under behandling" not in page.text
    page = await portal.post("/portal/my-data/requests", {"kind": "nonsense", "text": ""})
    assert page.location == "/portal/my-data?request=refused"
    await portal.close()
