"""Message templates edited in the console (SQLite and PostgreSQL): a version that asks for a BankID code
is refused and not saved; the fixed one is saved as pending with its author; its author cannot approve
it; a second template admin approves it and billing's next message uses it; every step audited."""

from __future__ import annotations

from sqlalchemy import select

from gateway.clock import FakeClock
from gateway.storage.schema import template_versions
from tests.console.console_helpers import console_client, enrol, four_eyes, sign_in, signed_in_client, template_actions
from tests.portal.portal_helpers import PortalClient
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway

REFUSED = ("{% block subject %}Fakturaen for {{ period }}{% endblock %}\n"
           "{% block body %}Hei {{ name }}!\nBekreft betalingen ved å svare med BankID-koden din.{% endblock %}")
FIXED = ("{% block subject %}Ny faktura for {{ period }}{% endblock %}\n"
         "{% block body %}Hei {{ name }}!\nFakturaen for {{ period }} er klar: {{ amount }} kr, forfall {{ due_date }}."
         "\nFakturanummer {{ invoice_number }}.{% endblock %}")


async def test_template_refused_fixed_four_eyes_approved_and_used(gw: Gateway) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    first = await enrol(gw, clock, "mal.en@kraft.example.no", "template_admin")
    second = await enrol(gw, clock, "mal.to@kraft.example.no", "template_admin")
    agent = await enrol(gw, clock, "agent@kraft.example.no", "agent")
    a, b, c = console_client(gw), console_client(gw), console_client(gw)
    for client, who in ((a, first), (b, second), (c, agent)):
        assert (await sign_in(client, clock, who)).location == "/console/"
    try:
        assert (await c.get("/console/templates/invoice_ready/nb")).status == 403  # an agent edits no template
        page = await a.get("/console/templates/invoice_ready/nb")
        assert page.status == 200 and "Fakturaen din for" in page.text  # the reviewed file is the live text
        assert 'id="preview-en"' in page.text and 'id="preview-nn"' in page.text
        refused = await a.post("/console/templates/invoice_ready/nb", {"source": REFUSED, "action": "save"},
                               csrf=page.csrf)
        assert refused.status == 422 and 'data-rule="request.bankid"' in refused.text
        async with gw.services.engine.connect() as conn:
            assert (await conn.execute(select(template_versions.c.id))).all() == []
        saved = await a.post("/console/templates/invoice_ready/nb", {"source": FIXED, "action": "save"},
                             csrf=refused.csrf)
        assert saved.status == 303
        version_id = saved.location.rsplit("saved=", 1)[1]
        page = await a.get(saved.location)
        assert f"/console/templates/versions/{version_id}/approve" not in page.text  # not for its author
        own = await a.post(f"/console/templates/versions/{version_id}/approve", {}, csrf=page.csrf)
        assert own.status == 409 and "din egen versjon" in own.text
        page = await b.get("/console/templates/invoice_ready/nb")
        assert f"/console/templates/versions/{version_id}/approve" in page.text
        assert (await b.post(f"/console/templates/versions/{version_id}/approve", {}, csrf=page.csrf)).status == 303
    finally:
        for client in (a, b, c):
            await client.close()

    token = await gw.token()
    await add_customer(gw, token, "t-1", language="nb")
    status, answer, _ = await gw.request("POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": "t-1"},
                                         json={"customer_id": "t-1", "category": "invoice", "template": "invoice_ready",
                                               "data": {"name": "Kari", "period": "oktober", "amount": "512",
                                                        "due_date": "20.11.", "invoice_number": "7"}})
    assert status == 201, answer
    customer = PortalClient(gw)
    await customer.sign_in("t-1")
    page = await customer.get(f"/portal/messages/{answer['id']}")
    assert "Ny faktura for oktober" in page.text and "Fakturanummer 7." in page.text
    await customer.close()
    async with gw.services.engine.connect() as conn:
        rows = (await conn.execute(select(template_versions.c.status, template_versions.c.author,
                                          template_versions.c.decided_by))).all()
        actions = await template_actions(conn)
    assert [(r.status, r.author, r.decided_by) for r in rows] == [("active", first.staff_id, second.staff_id)]
    assert actions == four_eyes(first, second)


async def test_template_check_endpoint_places_findings(gw: Gateway) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    client = await signed_in_client(gw, clock, "mal@kraft.example.no", "template_admin")
    try:
        csrf = (await client.get("/console/templates/invoice_ready/nb")).csrf
        headers = {"Cookie": f"{client.cookie_name}={client.cookie}", "X-CSRF-Token": csrf}
        async with client.http.post(gw.url("/console/templates/check"), headers=headers,
                                    json={"name": "invoice_ready", "language": "nb", "source": REFUSED}) as resp:
            result = await resp.json()
        assert resp.status == 200 and result["ok"] is False
        finding = next(f for f in result["findings"] if f["rule"] == "request.bankid")
        assert finding["field"] == "source" and finding["line"] == 3  # "Bekreft ..." is the third line
        async with client.http.post(gw.url("/console/templates/check"), headers=headers,
                                    json={"name": "invoice_ready", "language": "nb", "source": FIXED}) as resp:
            assert (await resp.json())["ok"] is True
    finally:
        await client.close()
