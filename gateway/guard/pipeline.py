"""The guard pipeline: template -> static checks -> sandboxed render -> visible text ->
normalise -> rules, and the public entry points used by the rest of the gateway."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jinja2.exceptions import SecurityError

from . import gate, html_text, jinja_checks, second_opinion
from .content import find_content, find_leaks
from .findings import Finding, Hit, excerpt_of, make_finding
from .lexicon import noun_category
from .links import check_url, find_links_in_text, origin_of
from .normalize import normalize
from .requests import analyse, analyse_with_objects, find_requests

TEMPLATE_KINDS = ("email", "message")
# Checking is linear but not free; nothing legitimate is this large, so refuse rather than stall.
MAX_CHARS = 1_000_000
DEFAULT_PORTAL = "https://min.example.no"


def placeholders(portal_url: str) -> dict[str, str]:
    base = portal_url.rstrip("/")
    return {"message_url": f"{base}/portal/messages/PLACEHOLDERID", "portal_url": base,
            "category": "invoice", "company_name": "Eksempel Kraft AS", "sent_date": "24.11.2026"}


class SourceMap:
    """Offsets in a source string -> 1-based line and column."""

    def __init__(self, source: str):
        self.source = source
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        # Computed on first use: most texts have no finding and never need a position.
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        return self._starts

    def line_col(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.source)))
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def line_start(self, line: int) -> int:
        return self.starts[max(0, min(line, len(self.starts)) - 1)]

    def locate(self, snippet: str, near_line: int = 1) -> int | None:
        """Find the snippet (or its longest word) in the source; used for rendered output."""
        snippet = snippet.strip()
        if not snippet:
            return None
        low = self.source.lower()
        start = self.line_start(near_line)
        for cand in [snippet] + sorted(re.findall(r"\w{3,}", snippet), key=len, reverse=True):
            k = low.find(cand.lower(), start)
            if k < 0:
                k = low.find(cand.lower())
            if k >= 0:
                return k
        return None


@dataclass
class View:
    """A text to check, with a function mapping its offsets to offsets in the source."""

    text: str
    to_source: Callable[[int], int | None]
    exact: bool  # True when to_source is exact (literal text), False for rendered output


class _Collector:
    def __init__(self, name: str, smap: SourceMap):
        self.name = name
        self.smap = smap
        self.findings: list[Finding] = []
        self.seen: set[tuple[str, str]] = set()

    def add(self, rule: str, key: str, offset: int | None, excerpt: str, severity: str | None = None) -> None:
        if (rule, key) in self.seen:
            return
        self.seen.add((rule, key))
        line, col = self.smap.line_col(offset) if offset is not None else (1, 1)
        self.findings.append(make_finding(rule, template=self.name, line=line, column=col,
                                          excerpt=excerpt, severity=severity))

    def add_hit(self, view: View, hit: Hit, *, view_text_hit: tuple[int, int] | None = None) -> None:
        s, e = view_text_hit or (hit.start, hit.end)
        offset = view.to_source(s)
        if not view.exact or offset is None:
            offset = self.smap.locate(view.text[s:e]) if offset is None or not view.exact else offset
        excerpt = excerpt_of(view.text, s, e, hit.mask)
        key = hit.key or " ".join(view.text[s:e].lower().split())
        self.add(hit.rule, key, offset, excerpt)


# --- views -------------------------------------------------------------------------------------
def _identity_view(text: str, exact: bool = True) -> View:
    return View(text, lambda k: k, exact)


def _piece_view(piece: html_text.Piece, base: Callable[[int], int | None], exact: bool) -> View:
    text, _ = piece.build(track=False)
    offsets: list[int] | None = None

    def to_source(k: int) -> int | None:
        nonlocal offsets
        if offsets is None:  # built on first use: only findings need positions
            offsets = piece.build(track=True)[1]
            assert offsets is not None
        if not offsets:
            return None
        return base(offsets[min(k, len(offsets) - 1)])
    return View(text, to_source, exact)


def _split_html(view: View) -> tuple[list[View], html_text.HtmlText | None]:
    if not html_text.looks_like_html(view.text):
        return [view], None
    h = html_text.extract(view.text)
    hidden = html_text.Piece(h.hidden.parts + ["\n"] + h.extra.parts,
                             h.hidden.offsets + [0] + h.extra.offsets)
    views = [_piece_view(p, view.to_source, view.exact) for p in (h.visible, hidden)]
    return [v for v in views if v.text.strip()], h


# --- rule runners ------------------------------------------------------------------------------
def _run_requests(view: View, out: _Collector, statistical: bool = False) -> None:
    norm = normalize(view.text)[0]  # as requests.prepared: the gate reads the normalised text
    if not gate.may_name_object(norm):
        # The fast path: the text names no confidential object (see gate.py), so no rule can
        # refuse it; the second opinion still reads it (data described in unknown words).
        if statistical:
            _run_second_opinion(view, norm, out, "other")
        return
    hits, ask = analyse_with_objects(norm) if statistical else (analyse(norm), False)
    if not hits:
        if statistical:
            _run_second_opinion(view, norm, out, "ask" if ask else "other")
        return
    # Findings are rare: only then pay for the character map, and take the hits from the
    # tracked text so offsets and map agree exactly.
    norm, mapping = normalize(view.text, track=True)
    assert mapping is not None
    hits = find_requests(norm, normalized=True)
    for hit in hits:
        s = mapping[min(hit.start, len(mapping) - 1)] if mapping else 0
        e = mapping[min(max(hit.end - 1, 0), len(mapping) - 1)] + 1 if mapping else 0
        out.add_hit(view, hit, view_text_hit=(s, e))


def _run_second_opinion(view: View, norm: str, out: _Collector, regime: str) -> None:
    """The statistical second opinion (second_opinion.py) on a text no rule refused: it may add a
    refusal, never remove one. ``regime`` says what the rules saw (an ask form, a confidential
    object, or neither); each has its own threshold. The excerpt names the deciding words."""
    model = second_opinion.model()
    if model is None:
        return
    verdict = model.refuses(norm, regime)
    if verdict is None:
        return
    tracked, mapping = normalize(view.text, track=True)
    assert mapping is not None
    if tracked != norm or not mapping:
        return  # cannot happen: the same normalisation, with and without tracking
    s = mapping[verdict.words[0][1]]
    e = mapping[verdict.words[-1][2] - 1] + 1
    words = ", ".join(w for w, _, _ in verdict.words)
    offset = view.to_source(s)
    if not view.exact or offset is None:
        offset = out.smap.locate(view.text[s:e]) if offset is None or not view.exact else offset
    out.add("request.statistical", "statistical:" + words, offset,
            f"{excerpt_of(view.text, s, e)} (words: {words})")


def _run_content(view: View, out: _Collector) -> None:
    for hit in find_content(view.text):
        out.add_hit(view, hit)


def _run_links(view: View, h: html_text.HtmlText | None, portal: tuple[str, str, int],
               out: _Collector) -> None:
    for hit in find_links_in_text(view.text, portal):
        out.add_hit(view, hit)
    if h is None:
        return


def _run_html_links(h: html_text.HtmlText, base: View, portal: tuple[str, str, int],
                    out: _Collector) -> None:
    for url, off in h.links:
        rule = check_url(url, portal)
        if rule:
            src = base.to_source(off)
            if not base.exact or src is None:
                src = out.smap.locate(url) if src is None or not base.exact else src
            out.add(rule, f"{rule}:{url}", src, excerpt_of(base.text, off, off + len(url) + 10))


_FIELD_ATTRS = ("name", "id", "placeholder", "aria-label", "title", "autocomplete", "value", "label")


def _run_inputs(h: html_text.HtmlText, base: View, out: _Collector) -> None:
    for attrs, off in h.inputs:
        tag = attrs.get("_tag", "")
        sensitive = attrs.get("type", "").lower() == "password"
        for a in _FIELD_ATTRS:
            words = re.split(r"[^\wæøå]+", normalize(attrs.get(a, ""))[0])
            if any(noun_category(w) for w in words if w) or any(
                    noun_category(x + y) for x, y in zip(words, words[1:], strict=False)):
                sensitive = True
        if tag == "form" and not sensitive:
            continue
        if sensitive:
            src = base.to_source(off)
            if not base.exact or src is None:
                src = out.smap.locate("<" + tag) if src is None or not base.exact else src
            out.add("request.form_field", f"form:{tag}:{sorted(attrs.items())}", src,
                    excerpt_of(base.text, off, off + 60))


def _check_views(views: Iterable[View], out: _Collector, *, requests: bool, content: bool,
                 portal: tuple[str, str, int] | None, statistical: bool = False) -> None:
    for view in views:
        subviews, h = _split_html(view)
        for sv in subviews:
            if requests:
                _run_requests(sv, out, statistical)
            if content:
                _run_content(sv, out)
            if portal is not None:
                _run_links(sv, h, portal, out)
        if h is not None:
            _run_inputs(h, view, out)
            if portal is not None:
                _run_html_links(h, view, portal, out)


# --- public API --------------------------------------------------------------------------------
def _internal(name: str, exc: BaseException) -> list[Finding]:
    return [make_finding("guard.internal", template=name, line=1, column=1,
                         excerpt=type(exc).__name__)]


def _too_large(name: str, *parts: str | None) -> list[Finding] | None:
    if sum(len(p or "") for p in parts) > MAX_CHARS:
        return [make_finding("guard.too_large", template=name, line=1, column=1, excerpt="")]
    return None


def _portal(portal_url: str) -> tuple[str, str, int]:
    return origin_of(portal_url) or ("https", "min.example.no", 443)


def check_text(text: str, *, name: str = "<text>", leaks: bool = False) -> list[Finding]:
    """Billing free text or a staff message: request rules; with ``leaks`` (the console, where
    staff type free text) also full national ids, card numbers and customers' account numbers.
    Billing's own notices may carry the customer's data to the portal, so it does not ask."""
    try:
        if (big := _too_large(name, text)) is not None:
            return big
        out = _Collector(name, SourceMap(text))
        view = _identity_view(text)
        # a full national id or card number typed into a message by staff
        leak_hits = find_leaks(text) if leaks else []
        # A rule's refusal is final: the second opinion is not asked about a text a leak rule
        # already refuses (it would only add a second finding).
        _check_views([view], out, requests=True, content=False, portal=None, statistical=not leak_hits)
        for hit in leak_hits:
            out.add_hit(view, hit)
        return out.findings
    except Exception as exc:
        return _internal(name, exc)


def check_email(text: str, html: str | None, *, portal_url: str, name: str = "<email>") -> list[Finding]:
    """A rendered notification e-mail (plain text and HTML): request, content and link rules."""
    try:
        if (big := _too_large(name, text, html)) is not None:
            return big
        portal = _portal(portal_url)
        findings: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        for part in (text or "", html or ""):
            if not part:
                continue
            out = _Collector(name, SourceMap(part))
            out.seen = seen
            _check_views([_identity_view(part)], out, requests=True, content=True, portal=portal)
            findings.extend(out.findings)
        return findings
    except Exception as exc:
        return _internal(name, exc)


def check_template(source: str, *, kind: str, name: str = "<template>",
                   portal_url: str = DEFAULT_PORTAL) -> list[Finding]:
    """Check an e-mail or message template before it is saved or used."""
    try:
        if (big := _too_large(name, source)) is not None:
            return big
        return _check_template(source, kind, name, portal_url)
    except Exception as exc:
        return _internal(name, exc)


def _check_template(source: str, kind: str, name: str, portal_url: str) -> list[Finding]:
    if kind not in TEMPLATE_KINDS:
        raise ValueError(f"unknown template kind {kind!r}")
    smap = SourceMap(source)
    out = _Collector(name, smap)
    parsed = jinja_checks.parse(source, name)
    if parsed.syntax_error:
        line, msg = parsed.syntax_error
        line_text = source.splitlines()[line - 1] if 0 < line <= len(source.splitlines()) else ""
        out.add("template.syntax", f"{line}:{msg}", smap.line_start(line),
                excerpt_of(line_text, 0, len(line_text)) + f" ({msg})")
        # Still read the raw text, so a broken template also reports what it asks for.
        _check_views([_identity_view(source)], out, requests=True, content=kind == "email",
                     portal=None)
        return out.findings
    assert parsed.ast is not None
    jinja_checks.static_checks(parsed, kind)
    for issue in parsed.issues:
        out.add(issue.rule, f"{issue.lineno}:{issue.token}", _token_offset(smap, issue.lineno, issue.token),
                excerpt_of(source.splitlines()[issue.lineno - 1] if source.splitlines() else "", 0, 0, width=80))
    is_email = kind == "email"
    portal = _portal(portal_url) if is_email else None
    views = [_literal_view(parsed, smap)]
    if parsed.renderable:
        views.extend(_rendered_views(parsed, kind, portal_url, name, out))
    # The second opinion reads message templates (free text); e-mail templates are fixed,
    # reviewed text under stricter rules, and are judged by the rules alone.
    _check_views(views, out, requests=True, content=is_email, portal=portal, statistical=not is_email)
    return out.findings


def _token_offset(smap: SourceMap, lineno: int, token: str) -> int:
    start = smap.line_start(lineno)
    end = smap.starts[lineno] if lineno < len(smap.starts) else len(smap.source)
    line = smap.source[start:end]
    for m in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", line, re.S):
        k = m.group(0).find(token)
        if k >= 0:
            return start + m.start() + k
    k = line.find(token)
    return start + (k if k >= 0 else 0)


def _literal_view(parsed: jinja_checks.Parsed, smap: SourceMap) -> View:
    assert parsed.ast is not None
    piece = html_text.Piece()
    cursor = 0
    for text, lineno in jinja_checks.literal_pieces(parsed.ast):
        at = smap.source.find(text, max(cursor, smap.line_start(lineno))) if text else -1
        if at < 0:
            at = smap.source.find(text, smap.line_start(lineno)) if text else -1
        if at < 0:
            at = smap.line_start(lineno)
            piece.add(text, at)
            continue
        piece.add(text, at)
        cursor = at + len(text)
    return _piece_view(piece, lambda k: k, exact=True)


def _rendered_views(parsed: jinja_checks.Parsed, kind: str, portal_url: str, name: str,
                    out: _Collector) -> list[View]:
    assert parsed.ast is not None
    context = placeholders(portal_url) if kind == "email" else {}
    views = []
    try:
        code = jinja_checks.compile_template(parsed.ast)
        # E-mail templates get every allowed variable, so one render shows all; message data is
        # unknown, so render once with every branch taken and once with none.
        kinds = ((jinja_checks.FalsyUndefined,) if kind == "email"
                 else (jinja_checks.TruthyUndefined, jinja_checks.FalsyUndefined))
        for undefined in kinds:
            text = jinja_checks.render(code, context, undefined)
            views.append(View(text, lambda k: None, exact=False))
    except SecurityError as exc:
        out.add("template.unsafe", "render", 0, str(exc)[:80])
    except RecursionError:
        out.add("template.complexity", "render", 0, "recursion")
    except Exception as exc:
        rule = "template.render" if kind == "email" else "template.render_warning"
        out.add(rule, "render", 0, type(exc).__name__)
    return views
