"""The staff console in real headless Chromium (Debian's, through Playwright), on SQLite and PostgreSQL:
enrol with TOTP and with a passkey (Chromium's virtual authenticator over CDP), sign in with both
factors, compose a message that asks for a BankID code (the guard's finding shown under the text as
the agent types, sending refused), fix it, preview, send; the e-mail arrives at the SMTP server and
the message in the customer's portal. axe-core on each page in nb and en; phone width."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import pytest_asyncio

from gateway.clock import FakeClock
from gateway.console import accounts
from gateway.delivery.devmail import MailSink
from tests.browser.test_portal_browser import ARTIFACTS, PHONE, axe_check, browser, fits_phone  # noqa: F401
from tests.console.console_helpers import PASSWORD, start_console_on_localhost
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway, stop_gateway, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]
BANKID = "Hei!\nFor å bekrefte flyttingen, svar med BankID-koden din.\nHilsen kundeservice"
FIXED = "Hei!\nFlyttingen er registrert. Se detaljene i Min strømside.\nHilsen kundeservice"


@pytest_asyncio.fixture(loop_scope="module")
async def gw(database_url: str, keys_dir: Path, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_console_on_localhost(database_url, keys_dir, sink)
    yield running
    await stop_gateway(running)


def _url(gw: Gateway, path: str) -> str:
    return gw.services.settings.public_url + path


async def _checked(page: Any, where: str) -> None:
    await axe_check(page, where)
    await fits_phone(page, where)


async def _enrol_password(page: Any, gw: Gateway, token: str) -> None:
    await page.goto(_url(gw, accounts.enrolment_path(token)))
    await page.wait_for_url(re.compile(r"/console/enrol$"))
    await _checked(page, "enrol password")
    await page.get_by_label("Passord", exact=True).fill(PASSWORD)
    await page.get_by_label("Passord en gang til").fill(PASSWORD)
    await page.get_by_role("button", name="Neste").click()
    await page.locator("figure.qr svg").wait_for()
    await _checked(page, "enrol second factor")


async def _password_step(page: Any, gw: Gateway, email: str) -> None:
    await page.goto(_url(gw, "/console/login"))
    await _checked(page, "login")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_label("Passord").fill(PASSWORD)
    await page.get_by_role("button", name="Neste").click()
    await page.wait_for_url(re.compile(r"/console/login/second$"))


async def test_enrol_sign_in_compose_refused_fixed_previewed_sent(browser: Any, gw: Gateway) -> None:  # noqa: F811
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    token = await gw.token()
    await add_customer(gw, token, "kunde-1", national_id="01817010055", email="kunde@example.no")
    context = await browser.new_context(viewport=PHONE, locale="nb-NO")
    page = await context.new_page()

    # Enrol with TOTP: the key shown beside the QR code goes into the "app" (pyotp here).
    _, link = await accounts.add(gw.services.engine, "kari@kraft.example.no", "agent", clock=clock)
    await _enrol_password(page, gw, link)
    secret = (await page.locator("#totp-secret").inner_text()).strip()
    await page.get_by_label(re.compile("Kode fra autentiseringsappen")).fill(pyotp.TOTP(secret).at(clock.now()))
    await page.get_by_role("button", name="Bekreft").click()
    await page.get_by_role("status").filter(has_text="Kontoen er aktivert").wait_for()

    await _password_step(page, gw, "kari@kraft.example.no")
    await _checked(page, "second factor")
    clock.advance(30)
    await page.get_by_label(re.compile("Kode fra autentiseringsappen")).fill(pyotp.TOTP(secret).at(clock.now()))
    await page.get_by_role("button", name="Logg inn").click()
    await page.get_by_role("heading", level=1, name="Finn en kunde").wait_for()
    await _checked(page, "home")

    await page.get_by_label(re.compile("Kunde-ID, e-post")).fill("kunde@example.no")
    await page.get_by_role("button", name="Søk").click()
    await page.get_by_role("heading", level=1, name="Kunde kunde-1").wait_for()
    await _checked(page, "customer")
    await page.get_by_role("link", name="Skriv melding").click()
    await page.get_by_label("Emne").fill("Flyttingen din")
    await page.get_by_label("Tekst", exact=True).fill(BANKID)
    finding = page.locator("#findings-body li[data-rule='request.bankid']")
    await finding.wait_for()  # shown under the text, as the agent types (the script and its JSON endpoint)
    assert "linje 2" in await finding.inner_text()
    assert await page.get_by_label("Tekst", exact=True).get_attribute("aria-invalid") == "true"
    await _checked(page, "compose with a finding")
    await page.get_by_role("button", name="Send", exact=True).click()
    await page.locator("#findings-body li[data-rule='request.bankid']").wait_for()  # refused server-side
    assert "kan ikke sendes" in await page.locator("#guard-status").inner_text()

    await page.get_by_label("Tekst", exact=True).fill(FIXED)
    await page.get_by_role("status").filter(has_text="Ingen funn").wait_for()
    await page.get_by_role("button", name="Forhåndsvis").click()
    await page.locator("#preview-email-subject").wait_for()
    assert "Flyttingen er registrert" in await page.locator("#preview-portal").inner_text()
    assert "/portal/messages/preview" in await page.locator("#preview-email-text").inner_text()
    await _checked(page, "preview")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-preview.png"), full_page=True)
    await page.get_by_role("button", name="Send", exact=True).click()
    await page.get_by_role("status").filter(has_text="Meldingen er sendt").wait_for()
    message_id = re.search(r"sent=([A-Za-z0-9_-]+)", page.url).group(1)

    def mail() -> str | None:
        return next((m.part("plain") for m in gw.sink.mails if f"/portal/messages/{message_id}" in m.part("plain")),
                    None)

    await wait_for(lambda: mail() is not None)
    assert "Flyttingen er registrert" not in (mail() or "")
    customer = await browser.new_context(viewport=PHONE, locale="nb-NO")
    portal = await customer.new_page()
    await portal.goto(_url(gw, f"/portal/messages/{message_id}"))
    await portal.get_by_label("Kunde-ID").fill("kunde-1")
    await portal.get_by_role("button", name="Logg inn", exact=True).click()
    await portal.get_by_role("heading", level=1, name="Flyttingen din").wait_for()
    await portal.get_by_label("Ditt svar").fill("Takk! Når kommer første faktura på ny adresse?")
    await portal.get_by_role("button", name="Send svar").click()
    await portal.get_by_role("status").filter(has_text="sendt").wait_for()

    # The reply waits in the staff inbox; the agent opens the thread and answers.
    await page.get_by_role("link", name="Innboks").click()
    await page.get_by_role("heading", level=1, name="Innboks").wait_for()
    await _checked(page, "inbox")
    await page.get_by_role("link", name=re.compile("Kunde kunde-1")).click()
    await page.get_by_role("heading", level=2, name="Samtale").wait_for()
    assert "Når kommer første faktura" in await page.locator("ol.replies").inner_text()
    await _checked(page, "thread")
    await page.get_by_label("Tekst", exact=True).fill("Første faktura på ny adresse kommer i januar.")
    await page.get_by_role("button", name="Send svar").click()
    await page.get_by_role("status").filter(has_text="Meldingen er sendt").wait_for()
    answer_id = re.search(r"answered=([A-Za-z0-9_-]+)", page.url).group(1)
    await wait_for(lambda: any(f"/portal/messages/{answer_id}" in m.part("plain") for m in gw.sink.mails))
    await page.get_by_role("link", name="Innboks").click()
    await page.get_by_text("Ingen svar venter.").wait_for()

    # The customer sees the answer, and who at the company opened their messages.
    await portal.goto(_url(gw, f"/portal/messages/{answer_id}"))
    await portal.get_by_text("Første faktura på ny adresse kommer i januar.").wait_for()
    await portal.goto(_url(gw, "/portal/my-data"))
    reads = portal.locator("table.staff-reads")
    await reads.wait_for()
    assert "Kari (kundebehandler)" in await reads.inner_text()
    await axe_check(portal, "portal my data with staff reads")
    await fits_phone(portal, "portal my data with staff reads")
    await customer.close()

    # English, and signing out.
    await page.goto(_url(gw, "/console/customers/kunde-1"))
    await page.get_by_role("button", name="English").click()
    await page.get_by_role("heading", level=1, name="Customer kunde-1").wait_for()
    await _checked(page, "customer (en)")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r"/console/login\?notice=signed_out"))
    await context.close()


async def test_enrol_and_sign_in_with_a_passkey(browser: Any, gw: Gateway) -> None:  # noqa: F811
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    context = await browser.new_context(viewport=PHONE, locale="en-GB")
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    added = await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    _, link = await accounts.add(gw.services.engine, "per@kraft.example.no", "admin", clock=clock)
    await page.goto(_url(gw, accounts.enrolment_path(link)))
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await page.get_by_role("button", name="Next").click()
    await page.get_by_role("button", name="Register a security key").click()
    await page.get_by_role("status").filter(has_text="Your account is active").wait_for()
    credentials = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]})
    assert len(credentials["credentials"]) == 1

    await page.get_by_label("E-mail").fill("per@kraft.example.no")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Next").click()
    await page.wait_for_url(re.compile(r"/console/login/second$"))
    await axe_check(page, "second factor (passkey, en)")
    await page.get_by_role("button", name="Use a security key or passkey").click()
    await page.get_by_role("heading", level=1, name="Find a customer").wait_for()
    await page.get_by_role("link", name="Audit log").click()
    await page.get_by_role("heading", level=1, name="Audit log").wait_for()
    assert "staff.signin" in await page.locator("table").inner_text()
    await _checked(page, "audit log (en)")
    await page.get_by_role("link", name="Inbox").click()
    await page.get_by_role("heading", level=1, name="Inbox").wait_for()
    await _checked(page, "inbox (en)")
    await context.close()


async def _totp_staff(browser: Any, gw: Gateway, email: str, role: str) -> Any:  # noqa: F811
    """A browser page of a staff member enrolled with TOTP and signed in."""
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    context = await browser.new_context(viewport=PHONE, locale="nb-NO")
    page = await context.new_page()
    _, link = await accounts.add(gw.services.engine, email, role, clock=clock)
    await _enrol_password(page, gw, link)
    secret = (await page.locator("#totp-secret").inner_text()).strip()
    await page.get_by_label(re.compile("Kode fra autentiseringsappen")).fill(pyotp.TOTP(secret).at(clock.now()))
    await page.get_by_role("button", name="Bekreft").click()
    await page.get_by_role("status").filter(has_text="Kontoen er aktivert").wait_for()
    await _password_step(page, gw, email)
    clock.advance(30)
    await page.get_by_label(re.compile("Kode fra autentiseringsappen")).fill(pyotp.TOTP(secret).at(clock.now()))
    await page.get_by_role("button", name="Logg inn").click()
    await page.get_by_role("heading", level=1, name="Finn en kunde").wait_for()
    return page


async def test_template_edit_refused_fixed_approved_by_a_second_admin_and_used(browser: Any,  # noqa: F811
                                                                              gw: Gateway) -> None:
    from tests.console.test_console_templates import FIXED, REFUSED
    first = await _totp_staff(browser, gw, "mal.en@kraft.example.no", "template_admin")
    await first.get_by_role("link", name="Meldings- og e-postmaler").click()
    await first.get_by_role("heading", level=1, name="Meldings- og e-postmaler").wait_for()
    await _checked(first, "templates")
    await first.get_by_role("link", name="Rediger invoice_ready nb").click()
    await first.locator("#preview-en").wait_for()
    await _checked(first, "template editor")
    await first.get_by_label(re.compile("Malens tekst")).fill(REFUSED)
    await first.locator("#findings-source li[data-rule='request.bankid']").wait_for()  # as the admin types
    await first.get_by_role("button", name="Lagre ny versjon").click()
    await first.get_by_role("alert").filter(has_text="kan ikke lagres").wait_for()
    await first.get_by_label(re.compile("Malens tekst")).fill(FIXED)
    await first.get_by_role("status").filter(has_text="Ingen funn").wait_for()
    await first.get_by_role("button", name="Lagre ny versjon").click()
    await first.get_by_role("status").filter(has_text="venter på godkjenning").wait_for()
    assert await first.get_by_role("button", name="Godkjenn").count() == 0  # not for its author

    second = await _totp_staff(browser, gw, "mal.to@kraft.example.no", "template_admin")
    await second.goto(_url(gw, "/console/templates"))
    await second.get_by_role("link", name=re.compile(r"invoice_ready \(nb\)")).click()
    await second.get_by_role("button", name="Godkjenn").click()
    await second.locator("ol.versions li").filter(has_text="gjeldende").wait_for()
    await _checked(second, "template approved")

    token = await gw.token()
    await add_customer(gw, token, "mal-1", language="nb")
    status, answer, _ = await gw.request("POST", "/api/v1/messages", token=token, headers={"Idempotency-Key": "m-1"},
                                         json={"customer_id": "mal-1", "category": "invoice",
                                               "template": "invoice_ready",
                                               "data": {"name": "Kari", "period": "oktober", "amount": "512",
                                                        "due_date": "20.11.", "invoice_number": "7"}})
    assert status == 201, answer
    customer = await browser.new_context(viewport=PHONE, locale="nb-NO")
    portal = await customer.new_page()
    await portal.goto(_url(gw, f"/portal/messages/{answer['id']}"))
    await portal.get_by_label("Kunde-ID").fill("mal-1")
    await portal.get_by_role("button", name="Logg inn", exact=True).click()
    await portal.get_by_role("heading", level=1, name="Ny faktura for oktober").wait_for()
    await customer.close()
    await first.context.close()
    await second.context.close()
