"""The portal's templates with the fixed texts compiled in render exactly what a plain Jinja
environment renders from the same context, in every language, and stay escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from gateway.portal import i18n, pages
from gateway.portal.store import AttachmentInfo, InboxItem, MessageView, ReplyInfo

PORTAL = Path(__file__).resolve().parents[2] / "templates" / "portal"
WHEN = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 00:30 on the 25th in Oslo


def plain(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(PORTAL)), **pages.environment_options())
    pages.configure(env, lang)
    return env


def translated(lang: str, texts: object | None = None) -> jinja2.Environment:
    env = jinja2.Environment(loader=pages.TranslatedLoader(PORTAL, texts or i18n.texts(lang)),
                             **pages.environment_options())
    pages.configure(env, lang)
    return env


def context(lang: str, **extra: Any) -> dict[str, Any]:
    return {"t": i18n.translator(lang), "tr": i18n.texts(lang), "lang": lang, "languages": i18n.LANGUAGE_NAMES,
            "signed_in": True, "csrf": "c" * 43, "here": "/portal/messages/m1", "company": "Kraft & Lys AS",
            **extra}


MESSAGE = MessageView("m1", "invoice", "normal", WHEN, None, "Faktura <oktober>", "Beløp: 1 234,50 kr\n& mer",
                      None, [AttachmentInfo("a1", "faktura \"1\".pdf", "application/pdf", 2000)],
                      [ReplyInfo("r1", "customer", WHEN, "Takk <3"), ReplyInfo("r2", "staff", WHEN, "Bra")])
PAGES = {
    "message.html": {"m": MESSAGE, "reply_error": "reply_too_long", "reply_text": "x", "max_reply": 10_000,
                     "sent": True},
    "inbox.html": {"items": [InboxItem("m1", "invoice", "normal", WHEN, None, "Faktura"),
                             InboxItem("m2", "support", "high", WHEN, WHEN, None)],
                   "total": 41, "unread": 1, "page": 2, "pages": 3},
    "error.html": {"title_key": "not_found_title", "text_key": "not_found_text"},
}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_compiled_texts_render_the_same_page(lang: str, name: str) -> None:
    ctx = context(lang, **PAGES[name])
    page = translated(lang).get_template(name).render(ctx)
    assert page == plain(lang).get_template(name).render(ctx)
    assert i18n.texts(lang).site in page and "{% raw %}" not in page


def test_every_fixed_text_of_every_template_is_compiled_in() -> None:
    loader = pages.TranslatedLoader(PORTAL, i18n.texts("en"))
    env = jinja2.Environment(loader=loader)
    for path in sorted(PORTAL.glob("*.html")):
        source, _, _ = loader.get_source(env, path.name)
        assert not pages.FIXED_TEXT.search(source), f"{path.name}: a {{{{ tr.name }}}} with no such text"


def test_a_compiled_text_is_escaped_and_never_template_code() -> None:
    texts = SimpleNamespace(**vars(i18n.texts("en")))
    texts.site = '<script>alert("x")</script> & {{ 7 * 7 }}'
    page = translated("en", texts).get_template("error.html").render(
        context("en", title_key="not_found_title", text_key="not_found_text"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; {{ 7 * 7 }}" in page
    assert "<script>" not in page and "49" not in page


def test_an_unknown_text_is_left_to_the_view_and_fails_there(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_text("<p>{{ tr.no_such_text }}</p>", encoding="utf-8")
    env = jinja2.Environment(loader=pages.TranslatedLoader(tmp_path, i18n.texts("nb")), **pages.environment_options())
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("p.html").render(tr=i18n.texts("nb"))


def test_dates_are_shown_in_oslo_time() -> None:
    assert pages.local_time(WHEN) == "25.11.2026 00:30"
    assert pages.local_date(WHEN) == "25.11.2026"
    assert pages.iso(WHEN) == "2026-11-24T23:30:00Z"
    assert pages.local_time(None) == pages.iso(None) == ""


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_language_buttons_rendered_at_start_up_mark_the_page_language(lang: str) -> None:
    page = translated(lang).get_template("error.html").render(
        context(lang, title_key="not_found_title", text_key="not_found_text"))
    pressed = re.findall(r'<button type="submit" name="lang" value="(\w+)" lang="\w+" aria-pressed="true">', page)
    assert pressed == [lang] and page.count('name="lang"') == len(i18n.LANGUAGES)
    assert all(f">{name}</button>" in page for name in i18n.LANGUAGE_NAMES.values())
