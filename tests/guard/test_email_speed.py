"""The faster e-mail re-check reads exactly what the plainer code read.

``check_email`` (the re-check of every rendered notification) was made cheaper in the HTML reader,
the link search and the content search. Each rewritten part is checked here against the code it
replaced, kept below as the reference: on generated HTML and text built from the characters and
fragments where they could differ, on the guard's corpora wrapped in e-mails, and on the gateway's
own notification templates rendered with ordinary and with hostile values.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.guard import check_email, html_text, links
from gateway.guard.html_text import (
    _CSS_URL,
    _HIDDEN_STYLE,
    _HIDDEN_TAGS,
    _INLINE,
    _LINK_ATTRS,
    _REFRESH_URL,
    _SKIP_ATTRS,
    _TAG_RE,
    _VOID,
    HtmlText,
    Piece,
)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PORTAL = "https://min.example.no"


# --- the reference: the HTML reader as it was (one parse per tag, no cache) -------------------
_ATTR_RE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


class _ReferenceExtractor:
    def __init__(self) -> None:
        self.out = HtmlText(Piece(), Piece(), Piece(), [], [])
        self.stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def feed(self, source: str) -> None:
        pos = 0
        for m in _TAG_RE.finditer(source):
            if m.start() > pos:
                self.data(source[pos:m.start()], pos)
            pos = m.end()
            if m.group("comment") is not None:
                self.out.extra.add(m.group("comment") + "\n", m.start() + 4)
            elif m.group("cdata") is not None:
                self.out.hidden.add(m.group("cdata") + "\n", m.start() + 9)
            elif m.group("tag"):
                tag = m.group("tag").lower()
                if m.group("end"):
                    self.end(tag, m.start())
                else:
                    raw = m.group("attrs")
                    attrs = [(k.lower(), html_lib.unescape(v.strip("\"'")) if v else "")
                             for k, v in _ATTR_RE.findall(raw)]
                    self.start(tag, attrs, m.start())
                    if raw.rstrip().endswith("/") and tag not in _VOID and self.stack and self.stack[-1][0] == tag:
                        self.stack.pop()
        if pos < len(source):
            self.data(source[pos:], pos)

    def start(self, tag: str, attrs: list[tuple[str, str]], off: int) -> None:
        amap = dict(attrs)
        for k, v in amap.items():
            if k in _LINK_ATTRS:
                for url in (v.split(",") if k == "srcset" else [v]):
                    url = url.strip().split(" ")[0] if k == "srcset" else url.strip()
                    if url:
                        self.out.links.append((url, off))
            elif k == "style":
                self.out.links.extend((u, off) for u in _CSS_URL.findall(v))
            elif k == "content" and amap.get("http-equiv", "").lower() == "refresh":
                self.out.links.extend((u, off) for u in _REFRESH_URL.findall(v))
            elif k not in _SKIP_ATTRS and v.strip():
                self.out.extra.add(v + "\n", off)
        if tag in ("input", "textarea", "select", "form", "button"):
            self.out.inputs.append((amap | {"_tag": tag}, off))
        if tag not in _INLINE:
            self._break(off)
        if tag in _VOID:
            return
        hidden = (self._hidden() or tag in _HIDDEN_TAGS or "hidden" in amap
                  or bool(_HIDDEN_STYLE.search(amap.get("style", ""))))
        self.stack.append((tag, hidden))

    def end(self, tag: str, off: int) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break
        if tag not in _INLINE:
            self._break(off)

    def _break(self, off: int) -> None:
        self.out.visible.add("\n", off)
        self.out.hidden.add("\n", off)

    def data(self, data: str, off: int) -> None:
        if "&" in data:
            data = html_lib.unescape(data)
        target = self.out.hidden if self._hidden() else self.out.visible
        if self.stack and self.stack[-1][0] == "style":
            self.out.links.extend((u, off) for u in _CSS_URL.findall(data))
        target.add(data, off)


def reference_extract(source: str) -> HtmlText:
    parser = _ReferenceExtractor()
    parser.feed(source)
    return parser.out


# --- the reference: the link search as it was (a Python loop over every word) -----------------
def reference_urls_in_text(text: str) -> list[tuple[int, int, str]]:
    out = []
    for chunk in re.finditer(r"\S+", text):
        if not re.search(r"[.:/]", chunk.group(0)):
            continue
        base = chunk.start()
        for m in links._URL_RE.finditer(chunk.group(0)):
            out.append((base + m.start(), base + m.end(), m.group(0).rstrip(".,;:!?)]}'\"")))
    return out


# --- generated inputs --------------------------------------------------------------------------
_TAGS = ["p", "div", "span", "b", "a", "img", "input", "form", "br", "style", "title", "head",
         "script", "td", "table", "meta", "textarea", "button", "strong", "o:p", "svg", "template"]
_ATTRS = ['href="https://min.example.no/portal/x"', "href='http://evil.example.com/?token=1'",
          'style="display:none"', 'style="color:#fff"', 'style="background:url(https://x.io/a.png)"',
          "hidden", 'name="passord"', 'type="password"', 'placeholder="Fødselsnummer"', 'alt="PIN-kode"',
          'title="Oppgi koden"', 'value="x"', 'srcset="a.png 1x, https://bit.ly/b 2x"', 'src=cid:logo',
          'http-equiv="refresh"', 'content="0; url=https://evil.example.com"', 'class="x"', "/",
          'data-x="&lt;b&gt;"', 'aria-label="Kortnummer"', 'id=konto', "'odd'", '="', "a=b=c"]
_TEXTS = ["Hei!", "Oppgi passordet ditt", "send koden", " ", "\n", "\n\n", "&amp;", "&lt;p&gt;", "&#112;ass",
          "www.foo.no", "https://min.example.no/portal/", "12345678903", "4111 1111 1111 1111", "e-posten.",
          "min.example.no", "javascript:", "mailto:", "x//y.com", "::", "a.b", "…", "\u00a0", "\u2003"]


@st.composite
def html_docs(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            tag = draw(st.sampled_from(_TAGS))
            attrs = draw(st.lists(st.sampled_from(_ATTRS), max_size=3))
            parts.append(f"<{tag}{''.join(' ' + a for a in attrs)}>")
        elif kind == 1:
            parts.append(f"</{draw(st.sampled_from(_TAGS))}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["<!-- Oppgi PIN -->", "<![CDATA[kode 1234]]>", "<!doctype html>",
                                               "<?xml x?>", "<", ">", "<!--", "<b", "<P STYLE='display:none'>"])))
        else:
            parts.append(draw(st.sampled_from(_TEXTS)))
    return "".join(parts)


def _same_html(a: HtmlText, b: HtmlText) -> bool:
    return (a.visible.build(True), a.hidden.build(True), a.extra.build(True), a.links, a.inputs) == \
        (b.visible.build(True), b.hidden.build(True), b.extra.build(True), b.links, b.inputs)


@settings(max_examples=3000, deadline=None)
@given(html_docs())
def test_the_html_reader_reads_what_it_read_before(source):
    assert _same_html(html_text.extract(source), reference_extract(source))
    assert _same_html(html_text.extract(source), reference_extract(source))  # and from its cache


def test_a_cached_tag_is_not_shared_between_e_mails():
    first = html_text.extract('<input name="passord">')
    first.inputs[0][0]["name"] = "changed"
    assert html_text.extract('<input name="passord">').inputs[0][0]["name"] == "passord"


_LINK_BITS = [*_TEXTS, "a", "b", ".", ":", "/", "\t", "https://x.no/a.", "www.", "...", "a...", ".b", "no."]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_LINK_BITS), max_size=12).map("".join))
def test_the_link_search_finds_what_it_found_before(text):
    assert links.urls_in_text(text) == reference_urls_in_text(text)


def test_the_link_search_is_linear_on_one_giant_word():
    text = "a" * 200_000 + "." + "b" * 200_000 + (" x." * 20_000)
    assert links.urls_in_text(text) == reference_urls_in_text(text)


def test_long_urls_are_checked_but_not_cached():
    url = f"{PORTAL}/portal/" + "a" * 5000
    before = links._check_url_cached.cache_info().currsize
    assert links.check_url(url, links.origin_of(PORTAL)) == "link.token"
    assert links._check_url_cached.cache_info().currsize == before


# --- whole e-mails -----------------------------------------------------------------------------
def _corpus_sentences() -> list[str]:
    out = []
    for path in sorted(HERE.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("source"):
                    out.append(rec["source"])
    return out


def _emails() -> list[tuple[str, str | None, str]]:
    from markupsafe import escape

    from gateway.delivery.notification import CATEGORY_LABELS, NotificationRenderer
    out: list[tuple[str, str | None, str]] = []
    for k, s in enumerate(_corpus_sentences()[::3]):
        e = str(escape(s))
        out.append([
            (s, None, PORTAL),
            ("Hei!\n\n" + s, f"<p>Hei!</p><p>{e}</p><a href='{PORTAL}/portal/x'>Les</a>", PORTAL),
            ("x", f"<html><head><title>{e[:30]}</title></head><body><div>{e}</div></body></html>", PORTAL),
            (f"Les: https://bit.ly/x {s}", f"<p style='display:none'>{e}</p><input name='passord'><img alt='{e[:40]}'>",
             PORTAL),
        ][k % 4])
    values = ["Eksempel Kraft AS", "Send oss passordet ditt", "Oppgi fødselsnummeret ditt", "01019910004",
              "Kraft. Send den til oss", "Passord: Sommer2024!", "https://bit.ly/abc", "Norsk <b>Kraft</b> & Co"]
    when = datetime(2026, 1, 1, tzinfo=UTC)
    for n, company in enumerate(values):
        for lang in ("nb", "nn", "en"):
            renderer = NotificationRenderer(ROOT / "templates", public_url=PORTAL, company_name=company)
            cat = list(CATEGORY_LABELS[lang])[n % 5]
            r = renderer.render(language=lang, message_id="AbCdEfGhIjKlMnOpQrStUv", category=cat,
                                sensitive=n % 2 == 1, sent_at=when + timedelta(days=37 * n))
            out.append((f"{r.subject}\n{r.text}", r.html, PORTAL))
    return out


EMAILS = _emails()


def _findings(text: str, html: str | None, portal: str) -> list[dict]:
    return [asdict(f) for f in check_email(text, html, portal_url=portal)]


@pytest.fixture
def reference_readers(monkeypatch):
    """check_email with the reference HTML reader and link search."""
    monkeypatch.setattr(html_text, "extract", reference_extract)
    monkeypatch.setattr(links, "urls_in_text", reference_urls_in_text)


def test_e_mails_get_the_same_findings_as_with_the_reference_readers(request):
    fast = [_findings(*e) for e in EMAILS]
    request.getfixturevalue("reference_readers")
    assert [_findings(*e) for e in EMAILS] == fast
    assert any(fast) and not all(fast)


def test_hostile_values_in_a_notification_are_still_refused():
    rules = {f["rule"] for e in EMAILS[-24:] for f in _findings(*e)}
    assert {"request.password", "request.national_id", "content.national_id", "content.secret",
            "link.shortener"} <= rules


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"NOnoGBDEXab0123456789 -.", "\u0663", "K", "ſ"]), max_size=40))
def test_the_iban_search_is_skipped_only_where_it_finds_nothing(text):
    from gateway.guard import content
    if content._IBAN_RE.search(text):
        assert content._IBAN_QUICK.search(text)


def test_an_iban_is_still_found():
    from gateway.guard import content
    assert [h.rule for h in content.find_content("IBAN: NO93 8601 1117 947")] == ["content.iban"]


# --- paragraph pieces (segments.py) ----------------------------------------------------------
_SEG_BITS = ["\n", "\n\n", "\n \n", "\n\t\n", " ", "\t", "-", " - ", ".", "...", "a", "no", "nr", "kto",
             ":", ",", "!", "?", ";", "–", "(", ")", "|", "[", "12", "kort", "nummer", "koden", "app",
             "11 siffer", "bankid", "'", "_", "\u00a0", "\r", "\x0b", "\u2028", " -", "- ", "\n-", "-\n", " app"]


def _seg_texts() -> list[str]:
    out = _corpus_sentences()
    out += [t for e in EMAILS for t in (e[0], e[1] or "")]
    out += [html_text.extract(e[1]).visible.build(False)[0] for e in EMAILS if e[1]]
    return out


def _same_tokens(text: str) -> None:
    from gateway.guard import segments, tokens
    assert [(t.kind, t.key, t.start, t.end) for t in segments.tokens(text)] == \
        [(t.kind, t.key, t.start, t.end) for t in tokens.tokenize(text)]


def _same_needles(text: str) -> None:
    from gateway.guard import phrasing, segments
    rx = phrasing._NEEDLE_RX
    assert segments.needles(rx, text) == {m.group(1) for m in rx.finditer(text)}


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_SEG_BITS), max_size=24).map("".join))
def test_paragraph_tokens_are_the_tokens_of_the_whole(text):
    from gateway.guard.normalize import normalize
    _same_tokens(text)
    _same_tokens(text)  # and from the cache
    _same_tokens(normalize(text)[0])
    _same_needles(normalize(text)[0])


def test_paragraph_pieces_agree_on_real_text():
    from gateway.guard.normalize import normalize
    for text in _seg_texts():
        norm = normalize(text)[0]
        _same_tokens(norm)
        _same_needles(norm)


def test_no_description_needle_reaches_across_a_paragraph():
    from gateway.guard import phrasing
    assert phrasing._ALL_NEEDLES and not any("\n" in n for n in phrasing._ALL_NEEDLES)


def test_a_giant_paragraph_is_tokenised_but_not_cached():
    from gateway.guard import segments
    text = "Oppgi koden. " * 400 + "\n\nHei"
    segments._piece_tokens.cache_clear()
    _same_tokens(text)
    assert segments._piece_tokens.cache_info().currsize == 1  # only "Hei"


def _objects(text: str, whole: bool) -> list[tuple[str, int, int]]:
    from gateway.guard import clauses
    a = clauses.Analysis.__new__(clauses.Analysis)
    a.__init__(text)  # the paragraph path (the gate's shortcuts are on)
    if whole:
        a.objs, a.objs_at = [], [None] * len(a.toks)
        a._find_objects_whole()
    return [(o.cat, o.i, o.j) for o in a.objs]


_OBJ_BITS = [*_SEG_BITS, "passord", "pin", "kode", "123456", "4321", "kortnummer", "kort nummer", "cvc-feltet",
             "engangskoden", "fødselsnummer", "personal numbr", "sms", "koden", "gavekort", "the code",
             "one time code", "bank id", "bankid-passord", "siffer", "card", "sikkerhetskode"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_OBJ_BITS), max_size=24).map(" ".join))
def test_paragraph_objects_are_the_objects_of_the_whole(text):
    from gateway.guard.normalize import normalize
    norm = normalize(text)[0]
    assert _objects(norm, whole=False) == _objects(norm, whole=True)
    assert _objects(norm, whole=False) == _objects(norm, whole=True)  # and from the cache


def test_paragraph_objects_agree_on_real_text():
    from gateway.guard.normalize import normalize
    for text in _seg_texts():
        norm = normalize(text)[0]
        assert _objects(norm, whole=False) == _objects(norm, whole=True), text
