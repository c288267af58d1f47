"""The console's privacy and delivery-feedback pieces in real headless Chromium (SQLite and PostgreSQL):
an admin signs in, opens a customer whose notifications bounced until the address became
undeliverable and who tried to reply by e-mail, sees all of it on the customer and thread pages,
erases the customer after typing their id, and answers a correction case from the portal (the
guard refusing the first reply); the customer then sees the case done in the portal. axe-core on
each new page; phone width."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.inbound import InboundHandler, InboundServer
from tests.browser.test_console_browser import _checked, _totp_staff
from tests.browser.test_portal_browser import browser  # noqa: F401
from tests.console.console_helpers import start_console_on_localhost
from tests.console.test_console_feedback import bounced_and_tried
from tests.console.test_console_privacy import (
    BANKID_REPLY,
    CASE_TEXT,
    GOOD_REPLY,
    _case_ids,
    _portal_cases,
    _status_in_portal,
)
from tests.support.factories import put_customer as add_customer
from tests.support.service import Gateway, stop_gateway

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(loop_scope="module")
async def gw(database_url: str, keys_dir: Path, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await start_console_on_localhost(database_url, keys_dir, sink)
    yield running
    await stop_gateway(running)


@pytest_asyncio.fixture(loop_scope="module")
async def inbound(gw: Gateway) -> AsyncIterator[InboundServer]:
    s = gw.services
    server = await InboundServer(InboundHandler(s.engine, s.crypto, s.settings, s.dkim), "127.0.0.1", 0).start()
    yield server
    await server.stop()


async def test_admin_sees_feedback_erases_a_customer_and_answers_a_case(browser: Any, gw: Gateway,  # noqa: F811
                                                                        inbound: InboundServer) -> None:
    clock: FakeClock = gw.clock  # type: ignore[attr-defined]
    ids = await bounced_and_tried(gw, inbound, clock, "f-1")
    await add_customer(gw, await gw.token(), "p-1")
    portal = await _portal_cases(gw, "p-1")
    page = await _totp_staff(browser, gw, "admin@kraft.example.no", "admin")

    # The customer: every notification bounced, the address undeliverable, two tries to reply by e-mail.
    await page.get_by_label(re.compile("Kunde-ID, e-post")).fill("frida@example.no")
    await page.get_by_role("button", name="Søk").click()
    await page.get_by_role("heading", level=1, name="Kunde f-1").wait_for()
    assert "ikke leverbar siden" in await page.get_by_role("alert").inner_text()
    row = page.locator(f"#m-{ids[0]}")
    assert "statuskode 5.1.1" in await row.inner_text() and "Recipient address rejected" in await row.inner_text()
    assert await page.locator("li.email-attempt").count() == 2
    await _checked(page, "customer with bounces")
    await row.get_by_role("link").click()
    await page.get_by_role("heading", level=2, name="Samtale").wait_for()
    thread = await page.locator("ol.replies").inner_text()
    assert thread.index("Første svar") < thread.index("prøvde å svare på e-post") < thread.index("Andre svar")
    assert "5.1.1" in await page.locator("#delivery-status").inner_text()
    await _checked(page, "thread with a reply attempt")

    # Erase, with the id typed to confirm (a wrong id first: nothing happens).
    await page.get_by_role("link", name="Kunde f-1").click()
    await page.get_by_role("link", name="Slett kunden …").click()
    await page.get_by_role("heading", level=1, name="Slett kunde f-1").wait_for()
    await _checked(page, "erase confirmation")
    await page.get_by_label(re.compile("Skriv kunde-ID-en")).fill("f-2")
    await page.get_by_role("button", name="Slett kunden for godt").click()
    await page.get_by_role("alert").filter(has_text="stemmer ikke").wait_for()
    await page.get_by_label(re.compile("Skriv kunde-ID-en")).fill("f-1")
    await page.get_by_role("button", name="Slett kunden for godt").click()
    await page.get_by_role("status").filter(has_text="Kunde f-1 er slettet").wait_for()
    await _checked(page, "erased")
    await page.get_by_role("link", name="Finn kunde").first.click()
    await page.get_by_label(re.compile("Kunde-ID, e-post")).fill("f-1")
    await page.get_by_role("button", name="Søk").click()
    await page.get_by_role("status").filter(has_text="Ingen kunde funnet").wait_for()

    # A correction case from the portal: the guard refuses the first reply, the second closes it.
    await page.get_by_role("link", name="Personvernsaker").click()
    await page.get_by_role("heading", level=1, name="Personvernsaker").wait_for()
    await _checked(page, "privacy cases")
    await page.locator("tr", has_text="Retting").get_by_role("link").first.click()
    await page.get_by_text(CASE_TEXT).wait_for()
    await page.get_by_label("Utført").check()
    await page.get_by_label(re.compile("Svar til kunden")).fill(BANKID_REPLY)
    await page.get_by_role("button", name="Send svaret og lukk saken").click()
    await page.locator("#findings-body li[data-rule='request.bankid']").wait_for()
    await _checked(page, "case answer refused by the guard")
    await page.get_by_label("Utført").check()
    await page.get_by_label(re.compile("Svar til kunden")).fill(GOOD_REPLY)
    await page.get_by_role("button", name="Send svaret og lukk saken").click()
    await page.get_by_role("status").filter(has_text="Saken er besvart").wait_for()
    assert await page.locator("#case-status").inner_text() == "utført"
    await _checked(page, "case answered")
    my_data = (await portal.get("/portal/my-data")).text
    assert _status_in_portal(my_data, (await _case_ids(gw))["correction"]) == "Utført"
    await portal.close()
    await page.context.close()
