"""The portal over real HTTP against the running service (SQLite and PostgreSQL): sign-in and the
way back to the message, the access matrix, sessions, CSRF, headers, replies, export, languages."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway import audit
from gateway.clock import FakeClock
from gateway.delivery.devmail import MailSink
from gateway.portal.sessions import hash_id
from gateway.storage.schema import audit_log, replies, web_sessions
from tests.portal.portal_helpers import PortalClient, _state_key
from tests.support.factories import PDF, put_customer, send
from tests.support.service import Gateway, make_settings, start_gateway, stop_gateway

SECRET_SUBJECT = "Canary subject Zebulon"
SECRET_BODY = "Canary body Quixotic"
SECRET_REPLY = "Canary reply Xylophone"


@pytest.fixture
async def two(gateway: Gateway) -> dict[str, str]:
    """Customers A and B, each with a message (with an attachment) and B with a reply."""
    token = await gateway.token()
    await put_customer(gateway, token, "cust-a")
    await put_customer(gateway, token, "cust-b", language="nn")
    ids = {
        "a_msg": await send(gateway, token, "cust-a", "a1", subject=SECRET_SUBJECT, body=SECRET_BODY),
        "b_msg": await send(gateway, token, "cust-b", "b1", subject="B secret subject", body="B secret body"),
    }
    b = PortalClient(gateway)
    await b.sign_in("cust-b", next_path=f"/portal/messages/{ids['b_msg']}")
    page = await b.get(f"/portal/messages/{ids['b_msg']}")
    ids["b_att"] = re.search(r"/attachments/([A-Za-z0-9_-]+)", page.text).group(1)
    page = await b.post(f"/portal/messages/{ids['b_msg']}/replies", {"body": "B reply text"})
    ids["b_reply"] = page.location.rsplit("#reply-", 1)[1]
    await b.close()
    gateway.token_value = token  # type: ignore[attr-defined]
    return ids


def _without_csrf(text: str) -> str:
    return re.sub(r'value="[A-Za-z0-9_-]{43}"', 'value=""', text)


async def test_message_link_signs_in_and_lands_on_the_message(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    link = f"/portal/messages/{two['a_msg']}"
    page = await client.get(link)
    assert page.status == 302
    assert page.location == f"/portal/login?next={link}"
    page = await client.get(page.location)
    assert page.status == 200
    assert 'name="customer_id"' in page.text
    page = await client.post("/portal/login/dev", {"customer_id": "cust-a", "next": link})
    assert page.status == 303 and page.location == link
    page = await client.get(link)
    assert page.status == 200
    assert SECRET_SUBJECT in page.text and SECRET_BODY in page.text
    status, body, _ = await gateway.request("GET", f"/api/v1/messages/{two['a_msg']}",
                                            token=gateway.token_value)  # type: ignore[attr-defined]
    assert status == 200 and body["read_at"] is not None
    await client.close()


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "/portal/../api/v1/openapi.json", "/\\evil.example",
    "/portal//evil.example", "javascript:alert(1)", "/portal/login", "/portal/%2F%2Fevil.example",
])
async def test_next_is_never_an_open_redirect(gateway: Gateway, two: dict[str, str], target: str) -> None:
    client = PortalClient(gateway)
    await client.get("/portal/login")
    page = await client.post("/portal/login/dev", {"customer_id": "cust-a", "next": target})
    assert page.status == 303
    assert page.location == "/portal/"
    await client.close()


async def test_access_matrix_other_customers_urls_answer_404_like_missing_ones(
        gateway: Gateway, two: dict[str, str]) -> None:
    a = PortalClient(gateway)
    await a.sign_in("cust-a")
    b_msg, b_att, b_reply = two["b_msg"], two["b_att"], two["b_reply"]
    a_msg = two["a_msg"]
    missing = "AAAAAAAAAAAAAAAAAAAAAA"
    pairs = [
        (f"/portal/messages/{b_msg}", f"/portal/messages/{missing}"),
        (f"/portal/messages/{b_msg}/attachments/{b_att}", f"/portal/messages/{missing}/attachments/{missing}"),
        (f"/portal/messages/{a_msg}/attachments/{b_att}", f"/portal/messages/{a_msg}/attachments/{missing}"),
        (f"/portal/messages/{b_msg}/replies/{b_reply}", f"/portal/messages/{missing}/replies/{missing}"),
        (f"/portal/messages/{a_msg}/replies/{b_reply}", f"/portal/messages/{a_msg}/replies/{missing}"),
    ]
    for theirs, nothing in pairs:
        got, expected = await a.get(theirs), await a.get(nothing)
        assert got.status == expected.status == 404, theirs
        # Identical but for the page's own address (the language form returns to it).
        assert got.text.replace(theirs, nothing) == expected.text
        assert dict(got.headers).keys() == dict(expected.headers).keys()
        assert "B secret" not in got.text and "B reply" not in got.text
    await a.get("/portal/")
    csrf = a.last.csrf
    got = await a.post(f"/portal/messages/{b_msg}/replies", {"body": "intrusion"}, csrf=csrf)
    expected = await a.post(f"/portal/messages/{missing}/replies", {"body": "intrusion"}, csrf=csrf)
    assert got.status == expected.status == 404
    assert got.text.replace(b_msg, missing) == expected.text
    # B's message stays unread for billing, and no reply was added to it.
    _status, body, _ = await gateway.request("GET", f"/api/v1/messages/{b_msg}",
                                            token=gateway.token_value)  # type: ignore[attr-defined]
    assert body["read_at"] is not None  # B read it in the fixture; now check the thread
    async with gateway.services.engine.connect() as conn:
        rows = (await conn.execute(select(replies.c.customer_id).where(replies.c.message_id == b_msg))).all()
    assert [r.customer_id for r in rows] == ["cust-b"]
    # A's inbox and export never mention B's message.
    inbox = await a.get("/portal/")
    assert b_msg not in inbox.text
    await a.close()


async def test_unread_stays_unread_when_another_customer_tries(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_customer(gateway, token, "x-a")
    await put_customer(gateway, token, "x-b")
    b_msg = await send(gateway, token, "x-b", "xb1")
    a = PortalClient(gateway)
    await a.sign_in("x-a")
    assert (await a.get(f"/portal/messages/{b_msg}")).status == 404
    _status, body, _ = await gateway.request("GET", f"/api/v1/messages/{b_msg}", token=token)
    assert body["read_at"] is None
    await a.close()


async def test_session_fixation_new_id_at_sign_in_and_planted_ids_ignored(gateway: Gateway,
                                                                           two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    await client.get("/portal/login")
    before = client.cookie
    assert before and len(before) >= 43  # 256 random bits, URL-safe base64
    await client.post("/portal/login/dev", {"customer_id": "cust-a"})
    after = client.cookie
    assert after and after != before
    # The pre-sign-in id is dead; only the new one opens the inbox.
    assert (await client.get("/portal/", cookie=before)).status == 302
    assert (await client.get("/portal/", cookie=after)).status == 200
    # An id chosen by an attacker is never adopted: the server issues its own.
    attacker = PortalClient(gateway)
    planted = "attacker-chosen-session-id-0123456789abcdefghij"
    assert (await attacker.get("/portal/login", cookie=planted)).status == 200
    assert attacker.cookie != planted
    await attacker.post("/portal/login/dev", {"customer_id": "cust-a"}, cookie=attacker.cookie)
    assert (await attacker.get("/portal/", cookie=planted)).status == 302
    # Only hashes are stored.
    async with gateway.services.engine.connect() as conn:
        stored = {r.id_hash for r in (await conn.execute(select(web_sessions.c.id_hash))).all()}
    assert after not in stored and hash_id(after) in stored
    await client.close()
    await attacker.close()


async def test_cookie_attributes(gateway: Gateway) -> None:
    client = PortalClient(gateway)
    page = await client.get("/portal/login")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    lowered = cookie.lower()
    for attribute in ("httponly", "secure", "path=/", "samesite=lax"):
        assert attribute in lowered
    assert "domain=" not in lowered and "expires=" not in lowered and "max-age" not in lowered
    await client.close()


async def test_csrf_every_post_needs_the_sessions_token(gateway: Gateway, two: dict[str, str]) -> None:
    a = PortalClient(gateway)
    await a.sign_in("cust-a")
    other = PortalClient(gateway)
    await other.sign_in("cust-b")
    other_token = (await other.get("/portal/")).csrf
    good = (await a.get("/portal/")).csrf
    msg = two["a_msg"]
    for path, form in ((f"/portal/messages/{msg}/replies", {"body": "x"}), ("/portal/logout", {}),
                       ("/portal/language", {"lang": "en", "next": "/portal/"}), ("/portal/my-data/export", {}),
                       ("/portal/login/dev", {"customer_id": "cust-b"})):
        for token in (None, "", other_token, good[:-1] + ("A" if good[-1] != "A" else "B")):
            page = await a.post(path, form, csrf=token)
            assert page.status == 403, (path, token)
            assert "text/html" in page.headers["Content-Type"]
    # A cross-site Origin is refused even with the right token.
    page = await a.post("/portal/language", {"lang": "en", "next": "/portal/"}, csrf=good,
                        headers={"Origin": "https://evil.example"})
    assert page.status == 403
    page = await a.post("/portal/language", {"lang": "en", "next": "/portal/"}, csrf=good,
                        headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status == 403
    # Nothing changed: still signed in as A, no reply stored, language unchanged.
    page = await a.get("/portal/")
    assert page.status == 200 and 'lang="nb"' in page.text
    async with gateway.services.engine.connect() as conn:
        assert not (await conn.execute(select(replies).where(replies.c.customer_id == "cust-a"))).first()
    # GET never changes state: the POST routes do not answer GET.
    for path in ("/portal/logout", f"/portal/messages/{msg}/replies", "/portal/my-data/export"):
        assert (await a.get(path)).status in (404, 405)
    assert (await a.get("/portal/")).status == 200
    # With the token it works.
    page = await a.post("/portal/logout", {}, csrf=good)
    assert page.status == 303
    await a.close()
    await other.close()


async def test_sign_out_ends_the_session_server_side(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    await client.sign_in("cust-a")
    cookie = client.cookie
    await client.get(f"/portal/messages/{two['a_msg']}")
    page = await client.post("/portal/logout", {})
    assert page.status == 303 and page.location == "/portal/login?notice=signed_out"
    assert client.cookie is None
    async with gateway.services.engine.connect() as conn:
        gone = select(web_sessions).where(web_sessions.c.id_hash == hash_id(cookie))
        assert (await conn.execute(gone)).first() is None
    page = await client.get(f"/portal/messages/{two['a_msg']}", cookie=cookie)
    assert page.status == 302 and page.location.startswith("/portal/login?next=")
    await client.close()


async def test_security_headers_on_every_page(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    anonymous = [await client.get("/portal/login"), await client.get("/portal/nothing-here")]
    await client.sign_in("cust-a")
    pages = anonymous + [await client.get(p) for p in (
        "/portal/", f"/portal/messages/{two['a_msg']}", "/portal/my-data", "/portal/messages/nope")]
    for page in pages:
        csp = page.headers["Content-Security-Policy"]
        for directive in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
            assert directive in csp
        assert "unsafe-inline" not in csp and "script-src" not in csp
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in page.headers  # development
        assert "<script" not in page.text and "style=" not in page.text
    assert anonymous[1].status == 404 and "text/html" in anonymous[1].headers["Content-Type"]
    bare = await client.get("/portal")
    assert bare.status == 301 and bare.location == "/portal/"
    css = await client.get("/portal/static/portal.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert (await client.get("/portal/static/portal.css", headers={"If-None-Match": css.headers["ETag"]})).status == 304
    await client.close()


async def test_attachment_download(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_customer(gateway, token, "dl")
    evil = 'fak"tura;\u202e\u00e6 <b>.txt'
    mid = await send(gateway, token, "dl", "dl1", attachment=(evil, "text/plain", b"<script>alert(1)</script>"))
    pdf_mid = await send(gateway, token, "dl", "dl2")
    client = PortalClient(gateway)
    await client.sign_in("dl")
    for message_id, ctype, content in ((mid, "text/plain", b"<script>alert(1)</script>"),
                                       (pdf_mid, "application/pdf", PDF)):
        page = await client.get(f"/portal/messages/{message_id}")
        att = re.search(r'href="(/portal/messages/[^"]+/attachments/[^"]+)"', page.text).group(1)
        page = await client.get(att)
        assert page.status == 200 and page.body == content
        assert page.headers["Content-Type"].split(";")[0] == ctype
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        disposition = page.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "sandbox" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
    ascii_part = disposition  # the PDF
    assert 'filename="faktura.pdf"' in ascii_part
    page = await client.get(f"/portal/messages/{mid}")
    att = re.search(r'href="(/portal/messages/[^"]+/attachments/[^"]+)"', page.text).group(1)
    disposition = (await client.get(att)).headers["Content-Disposition"]
    quoted_name = re.search(r'filename="([^"]*)"', disposition).group(1)
    assert all(32 <= ord(c) < 127 for c in quoted_name) and ";" not in quoted_name
    assert "filename*=UTF-8''" in disposition and "\u202e" not in disposition
    await client.close()


async def test_reply_is_stored_encrypted_and_shown_in_the_thread(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    await client.sign_in("cust-a")
    msg = two["a_msg"]
    await client.get(f"/portal/messages/{msg}")
    page = await client.post(f"/portal/messages/{msg}/replies", {"body": ""})
    assert page.status == 400 and 'aria-invalid="true"' in page.text
    page = await client.post(f"/portal/messages/{msg}/replies", {"body": SECRET_REPLY + " <b>&amp;"})
    assert page.status == 303
    reply_id = page.location.rsplit("#reply-", 1)[1]
    page = await client.get(f"/portal/messages/{msg}")
    assert SECRET_REPLY + " &lt;b&gt;&amp;amp;" in page.text
    assert f'id="reply-{reply_id}"' in page.text
    page = await client.get(f"/portal/messages/{msg}/replies/{reply_id}")
    assert page.status == 200 and SECRET_REPLY in page.text
    async with gateway.services.engine.connect() as conn:
        row = (await conn.execute(select(replies).where(replies.c.id == reply_id))).one()
    assert row.author == "customer" and row.customer_id == "cust-a"
    assert SECRET_REPLY.encode() not in row.body_enc
    await client.close()


async def test_export_zip_holds_everything_with_a_json_index(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    await client.sign_in("cust-a")
    msg = two["a_msg"]
    await client.get(f"/portal/messages/{msg}")
    await client.post(f"/portal/messages/{msg}/replies", {"body": SECRET_REPLY})
    page = await client.get("/portal/my-data")
    assert page.status == 200 and "cust-a@example.no" in page.text and "5" in page.text
    page = await client.post("/portal/my-data/export", {})
    assert page.status == 200
    assert page.headers["Content-Type"] == "application/zip"
    assert page.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(page.body))
    index = json.loads(archive.read("index.json"))
    assert index["customer"]["id"] == "cust-a" and index["customer"]["email"] == "cust-a@example.no"
    assert index["customer"]["name"] == "Name of cust-a"
    assert [m["id"] for m in index["messages"]] == [msg]
    message = index["messages"][0]
    assert message["subject"] == SECRET_SUBJECT and message["body"] == SECRET_BODY
    assert [r["body"] for r in message["replies"]] == [SECRET_REPLY]
    attachment = message["attachments"][0]
    assert attachment["filename"] == "faktura.pdf" and archive.read(attachment["path"]) == PDF
    assert all(two["b_msg"] not in name for name in archive.namelist())
    assert "B secret" not in json.dumps(index)
    await client.close()


async def test_high_level_message_needs_a_high_level_session(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_customer(gateway, token, "hi")
    mid = await send(gateway, token, "hi", "h1", subject="High subject", body="High body", auth_level="high")
    client = PortalClient(gateway)
    await client.sign_in("hi", level="substantial")
    inbox = await client.get("/portal/")
    assert "High subject" not in inbox.text and mid in inbox.text
    for path in (f"/portal/messages/{mid}", re.sub("$", "", f"/portal/messages/{mid}")):
        page = await client.get(path)
        assert page.status == 403 and "High body" not in page.text
        assert f"/portal/login?next=/portal/messages/{mid}&amp;level=high" in page.text
    page = await client.post("/portal/my-data/export", {}, csrf=inbox.csrf)
    assert page.status == 403
    _status, body, _ = await gateway.request("GET", f"/api/v1/messages/{mid}", token=token)
    assert body["read_at"] is None
    # Step up: the sign-in page at the high level, then a new session at that level.
    page = await client.get(f"/portal/login?next=/portal/messages/{mid}&level=high")
    assert page.status == 200
    page = await client.post("/portal/login/dev", {"customer_id": "hi", "level": "high",
                                                   "next": f"/portal/messages/{mid}"})
    page = await client.get(page.location)
    assert page.status == 200 and "High body" in page.text
    await client.close()


async def test_language_customer_default_and_switch(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    await client.sign_in("cust-b")  # language nn
    page = await client.get("/portal/")
    assert '<html lang="nn">' in page.text and "Innboks" in page.text and page.headers["Content-Language"] == "nn"
    page = await client.post("/portal/language", {"lang": "en", "next": "/portal/my-data"})
    assert page.status == 303 and page.location == "/portal/my-data"
    page = await client.get("/portal/my-data")
    assert '<html lang="en">' in page.text and "My data" in page.text
    page = await client.post("/portal/language", {"lang": "xx", "next": "/portal/"})
    assert page.status == 400
    # Anonymous visitors get their browser's language on the sign-in page and may switch it.
    anon = PortalClient(gateway)
    page = await anon.get("/portal/login?next=/portal/my-data", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.text and "Sign in" in page.text
    page = await anon.post("/portal/language", {"lang": "nn", "to_login": "1", "next": "/portal/my-data"})
    assert page.location == "/portal/login?next=/portal/my-data"
    page = await anon.get(page.location)
    assert '<html lang="nn">' in page.text
    await client.close()
    await anon.close()


async def test_paging_and_unread_markers(gateway: Gateway) -> None:
    token = await gateway.token()
    await put_customer(gateway, token, "pager")
    ids = [await send(gateway, token, "pager", f"p{i}", subject=f"Number {i:02d}", attachment=None) for i in range(23)]
    client = PortalClient(gateway)
    await client.sign_in("pager")
    await client.get(f"/portal/messages/{ids[-1]}")
    page = await client.get("/portal/")
    assert page.text.count('class="unread"') == 19 and page.text.count('class="read"') == 1
    assert "Number 22" in page.text and "Number 02" not in page.text
    assert "Side 1 av 2" in page.text and 'href="/portal/?page=2"' in page.text
    page = await client.get("/portal/?page=2")
    assert "Number 02" in page.text and "Number 00" in page.text and "Number 22" not in page.text
    assert (await client.get("/portal/?page=9")).location == "/portal/?page=2"
    await client.close()


async def test_audit_records_sign_in_read_reply_export_sign_out(gateway: Gateway, two: dict[str, str]) -> None:
    client = PortalClient(gateway)
    await client.get("/portal/login")
    await client.post("/portal/login/dev", {"customer_id": "nobody"})
    await client.sign_in("cust-a")
    await client.get(f"/portal/messages/{two['a_msg']}")
    assert (await client.post(f"/portal/messages/{two['a_msg']}/replies", {"body": SECRET_REPLY})).status == 303
    await client.get("/portal/my-data")
    await client.post("/portal/my-data/export", {})
    await client.get("/portal/")
    await client.post("/portal/logout", {})
    async with gateway.services.engine.connect() as conn:
        rows = (await conn.execute(select(audit_log).order_by(audit_log.c.seq))).all()
    actions = [r.action for r in rows if r.action.startswith("portal.") and r.actor in ("anonymous", "customer:cust-a")]
    assert actions == ["portal.signin.failed", "portal.signin", "portal.message.read", "portal.reply.create",
                       "portal.export", "portal.signout"]
    assert not any(SECRET_REPLY in r.details or "example.no" in r.details for r in rows)
    assert (await audit.verify(gateway.services.engine)).ok
    await client.close()


async def test_no_personal_data_in_logs(gateway: Gateway, two: dict[str, str],
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # DEBUG of third-party drivers prints bound parameters; never on in service
    client = PortalClient(gateway)
    await client.sign_in("cust-a")
    msg = two["a_msg"]
    csrf = (await client.get(f"/portal/messages/{msg}")).csrf
    await client.post(f"/portal/messages/{msg}/replies", {"body": SECRET_REPLY}, csrf=csrf)
    assert (await client.post("/portal/my-data/export", {}, csrf=csrf)).status == 200
    await client.get("/portal/messages/zzz/attachments/yyy")
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for canary in (SECRET_SUBJECT, SECRET_BODY, SECRET_REPLY, "cust-a@example.no", "Name of cust-a",
                   client.cookie or "never"):
        assert canary not in text
    await client.close()


async def test_idle_and_absolute_timeouts(database_url: str, keys_dir: Path, sink: MailSink) -> None:
    idle, absolute = 60, 300
    settings = make_settings(database_url, keys_dir, sink, session_idle_seconds=idle,
                             session_absolute_seconds=absolute)
    clock = FakeClock()
    gw = await start_gateway(settings, sink, run_worker=False, clock=clock)
    try:
        token = await gw.token()
        await put_customer(gw, token, "t-1")
        # Idle: untouched for the idle time -> signed out, row deleted, cookie cleared.
        client = PortalClient(gw)
        await client.sign_in("t-1")
        cookie = client.cookie
        clock.advance(idle - 1)
        assert (await client.get("/portal/")).status == 200  # not yet idle; this use counts
        clock.advance(idle)
        page = await client.get("/portal/")
        assert page.status == 302 and page.location == "/portal/login?next=/portal/"
        assert client.cookie is None  # the stale cookie was deleted
        async with gw.services.engine.connect() as conn:
            assert (await conn.execute(select(web_sessions).where(
                web_sessions.c.id_hash == hash_id(cookie)))).first() is None
        # Absolute: kept busy (never idle), yet it ends once the absolute time has passed.
        await client.sign_in("t-1")
        seen: list[tuple[int, int]] = []
        for elapsed in range(idle // 2, absolute + idle, idle // 2):
            clock.advance(idle // 2)
            seen.append((elapsed, (await client.get("/portal/")).status))
        assert seen == [(at, 200 if at < absolute else 302) for at, _ in seen], seen
        assert seen[-1][0] > absolute
        await client.close()
    finally:
        await stop_gateway(gw)


async def test_production_has_no_development_sign_in_and_sends_hsts(
        database_url: str, keys_dir: Path, sink: MailSink) -> None:
    settings = make_settings(database_url, keys_dir, sink)
    settings = dataclasses.replace(settings, env="production", oidc_issuer="https://idp.example.no",
                                   oidc_client_id="gateway", oidc_client_secret="s3cret")
    from gateway.delivery.dkim import init_key

    init_key(settings)  # production signs every notification: no start without the DKIM key
    gw = await start_gateway(settings, sink, run_worker=False)
    try:
        token = await gw.token()
        await put_customer(gw, token, "prod-1")
        client = PortalClient(gw)
        page = await client.get("/portal/login")
        assert page.status == 200
        assert 'name="customer_id"' not in page.text and "/portal/login/dev" not in page.text
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "form-action 'self' https://idp.example.no" in page.headers["Content-Security-Policy"]
        page = await client.post("/portal/login/dev", {"customer_id": "prod-1"})
        assert page.status == 404
        assert (await client.get("/portal/", cookie=client.cookie)).status == 302
        assert page.headers["Cache-Control"] == "no-store"
        cookie = (await PortalClient(gw).get("/portal/login")).headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=") and "Secure" in cookie
        await client.close()
    finally:
        await stop_gateway(gw)


async def test_sessions_sweep_removes_expired_rows(database_url: str, keys_dir: Path, sink: MailSink) -> None:
    settings = make_settings(database_url, keys_dir, sink, session_idle_seconds=60, session_absolute_seconds=300)
    clock = FakeClock()
    gw = await start_gateway(settings, sink, run_worker=False, clock=clock)
    try:
        from gateway.portal.state import STATE
        sessions = gw.server.app[STATE].sessions
        client = PortalClient(gw)
        await client.get("/portal/login")  # a visitor's pre-sign-in session
        clock.advance(59)
        assert await sessions.sweep() == 0  # still live
        clock.advance(1)
        assert await sessions.sweep() == 1
        async with gw.services.engine.connect() as conn:
            assert (await conn.execute(select(web_sessions))).first() is None
        await client.close()
    finally:
        await stop_gateway(gw)


async def test_a_staff_session_is_neither_used_nor_ended_by_the_portal(gateway: Gateway) -> None:
    from gateway.storage.types import utcnow
    token = await gateway.token()
    await put_customer(gateway, token, "staff-target")
    staff_id = "s" * 43
    now = utcnow()
    async with gateway.services.engine.begin() as conn:
        await conn.execute(web_sessions.insert().values(
            id_hash=hash_id(staff_id), kind="staff", subject_id="staff-target", acr="idporten-loa-high",
            csrf_token="c" * 43, data="{}", created_at=now, last_seen_at=now))
    client = PortalClient(gateway)
    page = await client.get("/portal/", cookie=staff_id)
    assert page.status == 302 and page.location.startswith("/portal/login")
    assert "Set-Cookie" not in page.headers
    page = await client.post("/portal/logout", {}, csrf="c" * 43, cookie=staff_id)
    assert page.status == 403
    async with gateway.services.engine.connect() as conn:
        assert (await conn.execute(select(web_sessions).where(
            web_sessions.c.id_hash == hash_id(staff_id)))).one().kind == "staff"
    await client.close()


async def test_an_erased_customer_loses_access_at_once_though_their_key_was_just_used(gateway: Gateway) -> None:
    """The portal keeps unwrapped customer keys for a minute; erasure (crypto-shredding: the wrapped
    key is removed) must still end access on the very next request."""
    from sqlalchemy import update

    from gateway.storage.schema import customers
    from gateway.storage.types import utcnow
    token = await gateway.token()
    await put_customer(gateway, token, "erase-me")
    msg = await send(gateway, token, "erase-me", "e1", subject=SECRET_SUBJECT)
    client = PortalClient(gateway)
    await client.sign_in("erase-me")
    assert SECRET_SUBJECT in (await client.get(f"/portal/messages/{msg}")).text
    assert "erase-me" in gateway.server.app[_state_key()].keys
    async with gateway.services.engine.begin() as conn:
        await conn.execute(update(customers).where(customers.c.id == "erase-me").values(
            key_wrapped=None, email_enc=None, name_enc=None, erased_at=utcnow()))
    page = await client.get(f"/portal/messages/{msg}")
    assert page.status == 404 and SECRET_SUBJECT not in page.text
    assert (await client.get("/portal/")).status == 302
    assert (await client.get(f"/portal/messages/{msg}/attachments/x")).status == 404
    await client.close()


async def test_a_form_body_that_is_not_utf8_is_a_400_page_not_a_500(gateway: Gateway, two: dict[str, str]) -> None:
    a = PortalClient(gateway)
    await a.sign_in("cust-a")
    token = (await a.get("/portal/")).csrf
    bad = f"csrf_token={token}&body=\xff\xfe".encode("latin-1")
    async with gateway.services.engine.connect() as conn:
        stored = (await conn.execute(select(func.count()).select_from(replies))).scalar_one()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for path in (f"/portal/messages/{two['a_msg']}/replies", "/portal/language", "/portal/logout",
                 "/portal/my-data/requests", "/console/login"):
        assert a.cookie is not None
        async with a.http.post(gateway.url(path), data=bad, allow_redirects=False,
                               headers={**form, "Cookie": f"{a.cookie_name}={a.cookie}"}) as resp:
            assert resp.status == 400, (path, resp.status)
            assert "text/html" in resp.headers["Content-Type"]
    async with gateway.services.engine.connect() as conn:  # nothing was stored
        assert (await conn.execute(select(func.count()).select_from(replies))).scalar_one() == stored
    await a.close()


async def test_a_session_store_failure_gets_the_sites_error_page(gateway: Gateway, two: dict[str, str]) -> None:
    """Loading the session reads the database; when that read fails, the customer gets the portal's
    own error page with its security headers, not the web server's bare 500 text."""
    client = PortalClient(gateway)
    await client.sign_in("cust-a")
    engine = gateway.services.engine
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE web_sessions RENAME TO web_sessions_away")
    try:
        page = await client.get("/portal/")
    finally:
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE web_sessions_away RENAME TO web_sessions")
    assert page.status == 500 and "text/html" in page.headers["Content-Type"]
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert (await client.get("/portal/")).status == 200  # the same session works again
    await client.close()
