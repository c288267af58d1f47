"""Privacy from the console (SQLite and PostgreSQL), through a real HTTP server: an admin erases a
customer after typing their id (gateway.privacy.erase underneath: the key-store secret destroyed,
rows deleted, pending notifications cancelled, the erasure log written, one audit entry naming the
admin); a second erase is harmless; agents are refused. And correction/erasure cases made in the
portal, answered by an admin with a reply that passes the guard, the new status shown in the portal."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from gateway.clock import FakeClock
from gateway.privacy import erasure_log
from gateway.storage.schema import audit_log, customers, messages, notifications, privacy_requests
from tests.console.console_helpers import Enrolled, console_client, enrol, sign_in
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer as add_customer
from tests.support.factories import send
from tests.support.service import Gateway

BANKID_REPLY = "Hei!\nFor å rette adressen, svar med BankID-koden din.\nHilsen kundeservice"
GOOD_REPLY = "Hei!\nVi har rettet adressen din til Storgata 1.\nHilsen kundeservice"
CASE_TEXT = "Adressen min er feil, det skal være Storgata 1"


# No worker: the customer's notifications stay pending, so the erasure has some to cancel.
RUN_WORKER = False  # read by the gw fixture in conftest.py


async def _staff(gw: Gateway) -> tuple[Enrolled, PortalClient, Enrolled, PortalClient]:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    agent, admin = await enrol(gw, clock, "agent@kraft.example.no", "agent"), \
        await enrol(gw, clock, "admin@kraft.example.no", "admin")
    agent_client, admin_client = console_client(gw), console_client(gw)
    assert (await sign_in(agent_client, clock, agent)).location == "/console/"
    assert (await sign_in(admin_client, clock, admin)).location == "/console/"
    return agent, agent_client, admin, admin_client


async def _count(gw: Gateway, table: object, where: object) -> int:
    async with gw.services.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(where))).scalar_one())  # type: ignore[arg-type]


async def test_an_admin_erases_a_customer_after_confirming_and_an_agent_cannot(gw: Gateway) -> None:
    token = await gw.token()
    await add_customer(gw, token, "e-1", email="erik@example.no", name="Erik Eraseson")
    await add_customer(gw, token, "e-2")
    for n in range(2):
        await send(gw, token, "e-1", f"e1-{n}", attachment=None)
    await send(gw, token, "e-2", "e2-0", attachment=None)
    _, agent, admin_member, admin = await _staff(gw)
    try:
        page = await agent.get("/console/customers/e-1")
        assert page.status == 200 and "/console/customers/e-1/erase" not in page.text
        assert (await agent.get("/console/customers/e-1/erase")).status == 403
        refused = await agent.post("/console/customers/e-1/erase", {"confirm": "e-1"}, csrf=page.csrf)
        assert refused.status == 403 and "Ingen tilgang" in refused.text
        assert await _count(gw, messages, messages.c.customer_id == "e-1") == 2

        page = await admin.get("/console/customers/e-1")
        assert 'href="/console/customers/e-1/erase"' in page.text
        form = await admin.get("/console/customers/e-1/erase")
        assert form.status == 200 and "kan ikke angres" in form.text
        wrong = await admin.post("/console/customers/e-1/erase", {"confirm": "e-2"}, csrf=form.csrf)
        assert wrong.status == 422 and "stemmer ikke" in wrong.text
        forged = await admin.post("/console/customers/e-1/erase", {"confirm": "e-1"}, csrf="not-the-token")
        assert forged.status == 403
        assert await _count(gw, messages, messages.c.customer_id == "e-1") == 2  # nothing erased yet

        done = await admin.post("/console/customers/e-1/erase", {"confirm": " e-1 "}, csrf=form.csrf)
        assert done.status == 200, done.text
        assert "Kunde e-1 er slettet: 2 meldinger slettet, 2 varsler stoppet." in done.text
        assert "Erik" not in done.text

        # Gone from search (by id and by e-mail) and from its page; another customer untouched.
        for query in ("e-1", "erik@example.no"):
            found = await admin.post("/console/customers/search", {"q": query}, csrf=done.csrf)
            assert found.status == 404 and "Ingen kunde funnet" in found.text
        assert (await admin.get("/console/customers/e-1")).status == 404
        assert (await admin.get("/console/customers/e-1/erase")).status == 404
        assert (await admin.post("/console/customers/search", {"q": "e-2"}, csrf=done.csrf)).location == \
            "/console/customers/e-2"

        # A second erase (a reload, a double click) is harmless and says so.
        again = await admin.post("/console/customers/e-1/erase", {"confirm": "e-1"}, csrf=done.csrf)
        assert again.status == 200 and "var allerede slettet" in again.text
        unknown = await admin.post("/console/customers/nobody-here/erase", {"confirm": "nobody-here"},
                                   csrf=done.csrf)
        assert unknown.status == 404 and "Siden finnes ikke" in unknown.text
    finally:
        await agent.close()
        await admin.close()

    services = gw.services
    assert services.crypto.keystore is not None and services.crypto.keystore.secret("e-1") is None
    assert services.crypto.keystore.secret("e-2") is not None
    assert await _count(gw, notifications, notifications.c.customer_id == "e-1") == 0
    assert await _count(gw, notifications, notifications.c.customer_id == "e-2") == 1
    assert "e-1" in erasure_log.read_ids(services.settings.erasure_log_file)
    assert "nobody-here" not in erasure_log.read_ids(services.settings.erasure_log_file)
    assert await _count(gw, customers, customers.c.id == "nobody-here") == 0  # no tombstone for a stranger
    async with services.engine.connect() as conn:
        entries = (await conn.execute(select(audit_log.c.actor, audit_log.c.subject, audit_log.c.details)
                                      .where(audit_log.c.action == "customer.erase"))).all()
    assert [(e.actor, e.subject) for e in entries] == [(f"staff:{admin_member.staff_id}", "e-1")]
    assert "Erik" not in str(entries[0].details) and "erik@" not in str(entries[0].details)


async def _portal_cases(gw: Gateway, customer_id: str) -> PortalClient:
    customer = PortalClient(gw)
    await customer.sign_in(customer_id)
    page = await customer.get("/portal/my-data")
    for kind, text in (("correction", CASE_TEXT), ("erasure", "")):
        made = await customer.post("/portal/my-data/requests", {"kind": kind, "text": text}, csrf=page.csrf)
        assert made.status == 303 and made.location == "/portal/my-data?request=sent"
        gw.clock.advance(60)  # type: ignore[attr-defined]
    return customer


async def _case_ids(gw: Gateway) -> dict[str, str]:
    async with gw.services.engine.connect() as conn:
        return {r.kind: r.id for r in await conn.execute(select(privacy_requests.c.id, privacy_requests.c.kind))}


def _status_in_portal(page_text: str, case_id: str) -> str:
    match = re.search(rf'data-case="{re.escape(case_id)}">.*?<span class="status">([^<]+)</span>', page_text, re.S)
    assert match, "the case is not on the portal's My data page"
    return match.group(1)


async def test_a_case_from_the_portal_is_answered_in_the_console_and_the_portal_shows_it(gw: Gateway) -> None:
    token = await gw.token()
    await add_customer(gw, token, "p-1", language="nb")
    customer = await _portal_cases(gw, "p-1")
    ids = await _case_ids(gw)
    _, agent, admin_member, admin = await _staff(gw)
    try:
        assert (await agent.get("/console/privacy/cases")).status == 403
        assert (await agent.get(f"/console/privacy/cases/{ids['correction']}")).status == 403
        page = await agent.get("/console/")
        assert "/console/privacy/cases" not in page.text  # not in an agent's menu
        assert (await agent.post(f"/console/privacy/cases/{ids['correction']}/answer",
                                 {"status": "done", "reply": GOOD_REPLY}, csrf=page.csrf)).status == 403

        listing = await admin.get("/console/privacy/cases")
        assert listing.status == 200 and 'href="/console/privacy/cases"' in listing.text  # in the admin's menu
        rows = re.findall(r'<tr id="case-([^"]+)">(.*?)</tr>', listing.text, re.S)
        assert [case_id for case_id, _ in rows] == [ids["correction"], ids["erasure"]]  # oldest first
        assert "Retting" in rows[0][1] and 'href="/console/customers/p-1"' in rows[0][1] and "åpen" in rows[0][1]
        assert "Sletting" in rows[1][1]
        assert CASE_TEXT not in listing.text  # the words are on the case page only

        url = f"/console/privacy/cases/{ids['correction']}"
        page = await admin.get(url)
        assert page.status == 200 and CASE_TEXT in page.text
        assert (await admin.get("/console/privacy/cases/no-such-case")).status == 404
        assert (await admin.post("/console/privacy/cases/no-such-case/answer",
                                 {"status": "done", "reply": GOOD_REPLY}, csrf=page.csrf)).status == 404

        refused = await admin.post(f"{url}/answer", {"status": "done", "reply": BANKID_REPLY}, csrf=page.csrf)
        assert refused.status == 422 and 'data-rule="request.bankid"' in refused.text
        assert "kan ikke sendes" in refused.text and "BankID-koden din" in refused.text  # the text kept to fix
        forged = await admin.post(f"{url}/answer", {"status": "done", "reply": GOOD_REPLY}, csrf="forged")
        assert forged.status == 403
        missing = await admin.post(f"{url}/answer", {"status": "done", "reply": "  "}, csrf=page.csrf)
        assert missing.status == 422 and "Skriv et svar" in missing.text
        erasure_done = await admin.post(f"/console/privacy/cases/{ids['erasure']}/answer",
                                        {"status": "done", "reply": GOOD_REPLY}, csrf=page.csrf)
        assert erasure_done.status == 422 and "slette kunden" in erasure_done.text
        assert _status_in_portal((await customer.get("/portal/my-data")).text, ids["correction"]) == \
            "Under behandling"
        assert await _count(gw, messages, messages.c.customer_id == "p-1") == 0  # nothing was sent

        answered = await admin.post(f"{url}/answer", {"status": "done", "reply": GOOD_REPLY}, csrf=page.csrf)
        assert answered.status == 303 and answered.location == f"{url}?answered=1"
        shown = await admin.get(answered.location)
        assert "Saken er besvart" in shown.text and ">utført<" in shown.text and 'action="' + url not in shown.text
        twice = await admin.post(f"{url}/answer", {"status": "refused", "reply": GOOD_REPLY}, csrf=page.csrf)
        assert twice.status == 409 and "allerede besvart" in twice.text

        refused_case = await admin.post(f"/console/privacy/cases/{ids['erasure']}/answer",
                                        {"status": "refused", "reply": "Vi må beholde fakturaene i fem år."},
                                        csrf=page.csrf)
        assert refused_case.status == 303
        assert "Ingen åpne saker" in (await admin.get("/console/privacy/cases")).text
    finally:
        await agent.close()
        await admin.close()

    # The customer sees both statuses, and the reply as a message in the portal.
    my_data = (await customer.get("/portal/my-data")).text
    assert _status_in_portal(my_data, ids["correction"]) == "Utført"
    assert _status_in_portal(my_data, ids["erasure"]) == "Avslått"
    inbox = await customer.get("/portal/")
    assert "Svar på forespørselen din om retting" in inbox.text
    async with gw.services.engine.connect() as conn:
        sent = (await conn.execute(select(messages.c.id, messages.c.client_id).where(messages.c.customer_id == "p-1")
                                   .order_by(messages.c.created_at))).all()
        actions = [(r.actor, r.action, r.subject) for r in await conn.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.subject)
            .where(audit_log.c.action.in_(("privacy_request.done", "privacy_request.refused")))
            .order_by(audit_log.c.seq))]
    assert len(sent) == 2 and {r.client_id for r in sent} == {f"staff:{admin_member.staff_id}"}
    message = await customer.get(f"/portal/messages/{sent[0].id}")
    assert "Vi har rettet adressen din til Storgata 1." in message.text
    assert actions == [(f"staff:{admin_member.staff_id}", "privacy_request.done", ids["correction"]),
                       (f"staff:{admin_member.staff_id}", "privacy_request.refused", ids["erasure"])]
    await customer.close()
