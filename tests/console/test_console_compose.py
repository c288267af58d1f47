"""Finding a customer and writing to them from the console (SQLite and PostgreSQL): search through the
blind indexes, the guard's findings placed in their field (as-you-type endpoint and server-side),
the preview of the e-mail and the portal page, sending through billing's pipeline once on a double
click, the e-mail at the SMTP server and the message in the customer's portal."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select

from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.storage.schema import audit_log, customers, messages
from tests.console.console_helpers import console_client, enrol, sign_in
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import PDF
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway, wait_for

PID = "01817010055"
ASKS_FOR_BANKID = "Hei!\nFor å bekrefte flyttingen, svar med BankID-koden din.\nHilsen kundeservice"
FIXED = "Hei!\nFlyttingen er registrert. Logg inn på Min strømside for å se detaljene.\nHilsen kundeservice"


@pytest.fixture
async def agent(gw: Gateway, clock: FakeClock) -> AsyncIterator[PortalClient]:
    who = await enrol(gw, clock, "agent@kraft.example.no", "agent")
    client = console_client(gw)
    assert (await sign_in(client, clock, who)).location == "/console/"
    client.who = who  # type: ignore[attr-defined]
    yield client
    await client.close()


async def _customer(gw: Gateway) -> None:
    token = await gw.token()
    await add_customer(gw, token, "cust-7", national_id=PID, email="Ola.Kunde@Example.no")
    await add_customer(gw, token, "cust-8")


async def test_search_by_id_email_and_national_id_through_blind_indexes(gw: Gateway, agent: PortalClient) -> None:
    await _customer(gw)
    csrf = (await agent.get("/console/")).csrf
    for query in ("cust-7", "ola.kunde@example.no", " OLA.KUNDE@example.no ", "018170 10055"):
        page = await agent.post("/console/customers/search", {"q": query}, csrf=csrf)
        assert page.status == 303 and page.location == "/console/customers/cust-7", query
    for query in ("cust-9", "nobody@example.no", "01817010056", "%"):
        page = await agent.post("/console/customers/search", {"q": query}, csrf=csrf)
        assert page.status == 404 and "Ingen kunde funnet" in page.text, query
    async with gw.services.engine.connect() as conn:
        row = (await conn.execute(select(customers).where(customers.c.id == "cust-7"))).one()
    assert row.email_index == gw.services.crypto.email_index("ola.kunde@example.no")
    assert b"ola" not in (row.email_enc or b"").lower()
    page = await agent.get("/console/customers/cust-7")
    assert page.status == 200 and "Name of cust-7" in page.text
    async with gw.services.engine.connect() as conn:
        reads = (await conn.execute(select(audit_log.c.actor, audit_log.c.subject)
                                    .where(audit_log.c.action == "console.customer.read"))).all()
    assert [(r.actor, r.subject) for r in reads] == [(f"staff:{agent.who.staff_id}", "cust-7")]  # type: ignore[attr-defined]


async def _check(gw: Gateway, agent: PortalClient, csrf: str | None, body: dict[str, str]) -> tuple[int, dict]:
    headers = {"Cookie": f"{agent.cookie_name}={agent.cookie}", "Content-Type": "application/json"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    async with agent.http.post(gw.url("/console/check"), json=body, headers=headers) as resp:
        return resp.status, (await resp.json(content_type=None)) if resp.status == 200 else {}


async def test_guard_as_you_type_places_each_finding_in_its_field(gw: Gateway, agent: PortalClient) -> None:
    await _customer(gw)
    csrf = (await agent.get("/console/customers/cust-7/compose")).csrf
    status, result = await _check(gw, agent, csrf, {"subject": "Flytting", "body": ASKS_FOR_BANKID})
    assert status == 200 and result["ok"] is False
    [finding] = [f for f in result["findings"] if f["rule"] == "request.bankid"]
    assert finding["field"] == "body" and finding["line"] == 2 and finding["column"] >= 1
    assert "BankID" in finding["message"]
    status, result = await _check(gw, agent, csrf, {"subject": "Send oss passordet ditt", "body": "Takk."})
    assert result["ok"] is False and result["findings"][0]["field"] == "subject"
    status, result = await _check(gw, agent, csrf, {"subject": "Flytting", "body": FIXED})
    assert result == {"ok": True, "findings": []}
    assert (await _check(gw, agent, None, {"subject": "x", "body": "y"}))[0] == 403  # no CSRF token


async def test_compose_refused_then_fixed_previewed_and_sent_once(gw: Gateway, agent: PortalClient,
                                                                 sink: MailSink) -> None:
    await _customer(gw)
    page = await agent.get("/console/customers/cust-7/compose")
    draft_id = re.search(r'name="draft_id" value="([^"]+)"', page.text).group(1)

    def form(body: str, action: str) -> aiohttp.FormData:
        data = aiohttp.FormData()
        for name, value in (("csrf_token", page.csrf), ("draft_id", draft_id), ("category", "support"),
                            ("sensitivity", "normal"), ("auth_level", "substantial"), ("mode", "free"),
                            ("subject", "Flyttingen din"), ("body", body), ("action", action)):
            data.add_field(name, value)
        data.add_field("attachments", PDF, filename="kvittering.pdf", content_type="application/pdf")
        return data

    refused = await agent.request("POST", "/console/customers/cust-7/compose", data=form(ASKS_FOR_BANKID, "send"))
    assert refused.status == 422 and 'data-rule="request.bankid"' in refused.text
    assert "Tekst, linje 2" in refused.text  # shown where it occurs
    preview = await agent.request("POST", "/console/customers/cust-7/compose", data=form(FIXED, "preview"))
    assert preview.status == 200
    assert 'id="preview-email-subject"' in preview.text and "/portal/messages/preview" in preview.text
    assert "Flyttingen er registrert" in preview.text and "kvittering.pdf" in preview.text
    # A double click: two sends of the same draft, one message and one e-mail.
    first, second = await asyncio.gather(
        agent.request("POST", "/console/customers/cust-7/compose", data=form(FIXED, "send")),
        agent.request("POST", "/console/customers/cust-7/compose", data=form(FIXED, "send")))
    assert first.status == second.status == 303 and first.location == second.location
    message_id = first.location.rsplit("sent=", 1)[1]
    async with gw.services.engine.connect() as conn:
        rows = (await conn.execute(select(messages.c.id, messages.c.client_id)
                                   .where(messages.c.customer_id == "cust-7"))).all()
        created = (await conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "message.create"))).all()
    assert [(r.id, r.client_id) for r in rows] == [(message_id, f"staff:{agent.who.staff_id}")]  # type: ignore[attr-defined]
    assert [r.actor for r in created] == [f"staff:{agent.who.staff_id}"]  # type: ignore[attr-defined]
    await wait_for(lambda: any(f"/portal/messages/{message_id}" in m.part("plain") for m in sink.mails))
    mail = next(m for m in sink.mails if f"/portal/messages/{message_id}" in m.part("plain"))
    assert "Flyttingen er registrert" not in mail.part("plain")  # content-free
    customer = PortalClient(gw)
    await customer.sign_in("cust-7")
    page = await customer.get(f"/portal/messages/{message_id}")
    assert page.status == 200 and "Flyttingen er registrert" in page.text and "kvittering.pdf" in page.text
    await customer.close()
    listing = await agent.get("/console/customers/cust-7")
    assert f'id="m-{message_id}"' in listing.text


async def test_attachments_follow_the_api_rules(gw: Gateway, agent: PortalClient) -> None:
    await _customer(gw)
    page = await agent.get("/console/customers/cust-7/compose")
    data = aiohttp.FormData()
    for name, value in (("csrf_token", page.csrf), ("draft_id", "d-1"), ("category", "support"), ("mode", "free"),
                        ("subject", "Vedlegg"), ("body", FIXED), ("action", "send")):
        data.add_field(name, value)
    data.add_field("attachments", b"not a pdf", filename="x.pdf", content_type="application/pdf")
    answer = await agent.request("POST", "/console/customers/cust-7/compose", data=data)
    assert answer.status == 422 and "content is not application/pdf" in answer.text
    async with gw.services.engine.connect() as conn:
        assert (await conn.execute(select(messages.c.id))).all() == []


async def test_template_with_data_is_rendered_in_the_customers_language(gw: Gateway, agent: PortalClient) -> None:
    await _customer(gw)
    csrf = (await agent.get("/console/customers/cust-7/compose")).csrf
    status, result = await _check(gw, agent, csrf, {
        "customer_id": "cust-7", "template": "invoice_ready",
        "data": '{"name": "Ola", "period": "oktober", "amount": "512", "due_date": "20.11.", '
                '"invoice_number": "123"}'})
    assert status == 200 and result["ok"] is True
