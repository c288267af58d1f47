"""E-mail (notification) templates edited in the console, on the message templates' path (SQLite and
PostgreSQL): a subject that asks for a BankID code is refused by the guard's e-mail rules and not saved;
the fixed one is saved as pending with its author, previewed as the whole e-mail in every language,
approved by a second template admin only, and then the notification e-mail that reaches the SMTP server
carries it; a standalone worker's renderer picks it up too; every step audited."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import make_url, select

from gateway.clock import FakeClock
from gateway.console import STATE, refresh_email_templates
from gateway.console.template_views import refresh
from gateway.delivery.devmail import MailSink
from gateway.delivery.notification import NotificationRenderer
from gateway.storage.schema import template_versions
from tests.console.console_helpers import console_client, enrol, four_eyes, sign_in, signed_in_client, template_actions
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway, wait_for
from tests.support.sqlite_lock import take_write_lock

URL = "/console/templates/notification.subject/nb"
REFUSED = "Svar med BankID-koden din for å lese meldingen fra {{ company_name }}"
FIXED = "Ny melding fra {{ company_name }} er klar på Min strømside"


async def test_email_subject_refused_fixed_four_eyes_approved_and_sent(gw: Gateway, sink: MailSink) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    first = await enrol(gw, clock, "epost.en@kraft.example.no", "template_admin")
    second = await enrol(gw, clock, "epost.to@kraft.example.no", "template_admin")
    agent = await enrol(gw, clock, "agent@kraft.example.no", "agent")
    a, b, c = console_client(gw), console_client(gw), console_client(gw)
    for client, who in ((a, first), (b, second), (c, agent)):
        assert (await sign_in(client, clock, who)).location == "/console/"
    try:
        assert (await c.get(URL)).status == 403  # an agent edits no e-mail template either
        listing = await a.get("/console/templates")
        assert 'href="/console/templates/notification.html/en"' in listing.text
        page = await a.get(URL)
        assert page.status == 200 and "Du har en ny melding på Min strømside" in page.text  # the reviewed file
        for language in ("nb", "nn", "en"):  # the whole e-mail, text and HTML, in every language
            assert f'id="preview-{language}"' in page.text
        assert "/portal/messages/" in page.text and "&lt;html" in page.text.lower()
        refused = await a.post(URL, {"source": REFUSED, "action": "save"}, csrf=page.csrf)
        assert refused.status == 422 and 'data-rule="request.bankid"' in refused.text
        async with gw.services.engine.connect() as conn:
            assert (await conn.execute(select(template_versions.c.id))).all() == []
        checked = await a.post(URL, {"source": FIXED, "action": "check"}, csrf=refused.csrf)
        assert checked.status == 200 and "Ny melding fra" in checked.text  # previewed, not saved
        saved = await a.post(URL, {"source": FIXED, "action": "save"}, csrf=checked.csrf)
        assert saved.status == 303
        version_id = saved.location.rsplit("saved=", 1)[1]
        page = await a.get(saved.location)
        own = await a.post(f"/console/templates/versions/{version_id}/approve", {}, csrf=page.csrf)
        assert own.status == 409 and "din egen versjon" in own.text
        page = await b.get(URL)
        assert f"/console/templates/versions/{version_id}/approve" in page.text
        assert (await b.post(f"/console/templates/versions/{version_id}/approve", {}, csrf=page.csrf)).status == 303
    finally:
        for client in (a, b, c):
            await client.close()

    token = await gw.token()
    await add_customer(gw, token, "e-1", language="nb")
    status, answer, _ = await gw.request("POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": "e-1"},
                                         json={"customer_id": "e-1", "category": "support",
                                               "subject": "Svar på henvendelsen", "body": "Vi har ordnet det."})
    assert status == 201, answer
    await wait_for(lambda: any(answer["id"] in m.part("plain") for m in sink.mails))
    mail = next(m for m in sink.mails if answer["id"] in m.part("plain"))
    company = gw.services.settings.company_name
    assert mail.message["Subject"] == f"Ny melding fra {company} er klar på Min strømside"

    # A standalone worker (`gateway worker`) loads the approved version too; other parts keep their files.
    renderer = NotificationRenderer(Path(gw.services.settings.templates_dir), public_url="https://x.example",
                                    company_name="Kraft")
    await refresh_email_templates(gw.services.engine, renderer)
    rendered = renderer.render(language="nb", message_id="m1", category="invoice", sensitive=False,
                               sent_at=clock.now())
    english = renderer.render(language="en", message_id="m1", category="invoice", sensitive=False,
                              sent_at=clock.now())
    assert rendered.subject == "Ny melding fra Kraft er klar på Min strømside"
    assert english.subject != rendered.subject and "https://x.example/portal/messages/m1" in rendered.text

    async with gw.services.engine.connect() as conn:
        rows = (await conn.execute(select(template_versions.c.name, template_versions.c.status,
                                          template_versions.c.author, template_versions.c.decided_by))).all()
        actions = await template_actions(conn)
    assert [tuple(r) for r in rows] == [("notification.subject", "active", first.staff_id, second.staff_id)]
    assert actions == four_eyes(first, second)


async def test_email_check_endpoint_uses_the_email_rules(gw: Gateway) -> None:
    """An e-mail template may not link anywhere but the portal; a message template is not held to that."""
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    client = await signed_in_client(gw, clock, "mal@kraft.example.no", "template_admin")
    source = "Hei!\nLes mer på https://evil.example/login\n{{ message_url }}\n"
    try:
        csrf = (await client.get("/console/templates/notification.txt/nb")).csrf
        headers = {"Cookie": f"{client.cookie_name}={client.cookie}", "X-CSRF-Token": csrf}
        results = {}
        for name in ("notification.txt", "invoice_ready"):
            async with client.http.post(gw.url("/console/templates/check"), headers=headers,
                                        json={"name": name, "language": "nb", "source": source}) as resp:
                assert resp.status == 200
                results[name] = await resp.json()
        assert results["notification.txt"]["ok"] is False
        email_rules = {f["rule"] for f in results["notification.txt"]["findings"]}
        message_rules = {f["rule"] for f in results["invoice_ready"]["findings"]}
        assert email_rules - message_rules  # rules that hold only for the e-mail
        assert (await client.get("/console/templates/notification.pdf/nb")).status == 404
    finally:
        await client.close()


async def test_the_periodic_template_refresh_takes_no_write_lock(gw: Gateway) -> None:
    """Every process reloads the approved versions every few seconds: a read, so it neither waits
    for nor holds SQLite's write lock (ingest's commits and the portal's session touches need it)."""
    url = make_url(gw.services.settings.database_url)
    sqlite = url.drivername.startswith("sqlite")
    other = sqlite3.connect(url.database or "", timeout=0, isolation_level=None) if sqlite else None
    renderer = NotificationRenderer(Path(gw.services.settings.templates_dir), public_url="https://x.example",
                                    company_name="Kraft")
    try:
        if other is not None:
            await take_write_lock(other)  # as another process writing for a long while would
        await asyncio.wait_for(refresh(gw.server.app[STATE]), timeout=10)
        await asyncio.wait_for(refresh_email_templates(gw.services.engine, renderer), timeout=10)
    finally:
        if other is not None:
            other.close()
    assert renderer.versions == {}  # nothing approved: every part keeps its reviewed file
