"""Extract what a reader (and a mail client) sees from HTML, with positions in the source.

Three texts come out: the visible text (inline tags joined without a space, so
``pass<b>word</b>`` reads "password"; block tags end a line), the hidden text (display:none,
hidden, <head>, <style>, <script>, <template> ...), and attribute values and comments.
Character references are decoded by the parser.  Links (href, src, action, meta refresh,
CSS url()) are collected separately for the link rules.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

_INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
    "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "sup", "time", "tt", "u", "var", "wbr", "label", "nobr", "o:p",
}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
         "source", "track", "wbr", "keygen", "command"}
_HIDDEN_TAGS = {"head", "title", "style", "script", "template", "noscript", "xml", "svg", "math",
                "object", "iframe"}
_HIDDEN_STYLE = re.compile(
    r"(?i)(display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|"
    r"opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)|max-height\s*:\s*0|(?<![-\w])height\s*:\s*0(?:px)?\s*(?:;|$)|"
    r"mso-hide\s*:\s*all|color\s*:\s*(?:transparent|#fff(?:fff)?\b|white)|clip\s*:|"
    r"text-indent\s*:\s*-\d{3,}|left\s*:\s*-\d{3,})")
_LINK_ATTRS = {"href", "src", "action", "formaction", "background", "poster", "data", "cite",
               "longdesc", "xlink:href", "srcset", "lowsrc", "dynsrc", "manifest", "ping", "codebase"}
_SKIP_ATTRS = {"class", "id", "style", "width", "height", "border", "cellpadding", "cellspacing",
               "align", "valign", "bgcolor", "color", "lang", "dir", "role", "target", "rel",
               "type", "charset", "http-equiv", "colspan", "rowspan", "face", "size", "xmlns",
               "hidden", "aria-hidden", "tabindex", "media", "scope", "frame", "rules", "nowrap"}
_CSS_URL = re.compile(r"(?i)url\(\s*['\"]?([^'\")\s]+)")
_REFRESH_URL = re.compile(r"(?i)url\s*=\s*['\"]?([^'\"\s;]+)")
_LOOKS_HTML = re.compile(r"<\s*[a-zA-Z!/?][^<>]{0,4000}>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")


def looks_like_html(text: str) -> bool:
    # Every match starts with "<" or "&"; the substring test is much cheaper than the search.
    return ("<" in text or "&" in text) and _LOOKS_HTML.search(text) is not None


@dataclass
class Piece:
    """Text with the source offset of each character (None when unknown)."""

    parts: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # start offset of each part

    def add(self, text: str, offset: int) -> None:
        if text:
            self.parts.append(text)
            self.offsets.append(offset)

    def build(self, track: bool) -> tuple[str, list[int] | None]:
        text = "".join(self.parts)
        if not track:
            return text, None
        m: list[int] = []
        for part, off in zip(self.parts, self.offsets, strict=False):
            m.extend(range(off, off + len(part)))
        return text, m


@dataclass
class HtmlText:
    visible: Piece
    hidden: Piece
    extra: Piece  # attribute values and comments
    links: list[tuple[str, int]]  # (url, source offset)
    inputs: list[tuple[dict[str, str], int]]  # form fields, for request.form_field


_TAG_RE = re.compile(
    r"<!--(?P<comment>.*?)(?:-->|$)|<!\[CDATA\[(?P<cdata>.*?)(?:\]\]>|$)"
    r"|<(?P<end>/?)(?P<tag>[a-zA-Z][\w:.-]*)(?P<attrs>(?:[^<>\"']|\"[^\"]{0,4000}\"|'[^']{0,4000}')*)>"
    r"|<[!?][^>]*>", re.S)
_ATTR_RE = re.compile(r"([^\s\"'>/=]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")


@dataclass(frozen=True)
class _StartTag:
    """What a start tag contributes, apart from where it stands: a pure function of the tag's
    text, so it is worked out once per distinct tag (a notification repeats the same few tags)."""

    links: tuple[str, ...]  # URLs in its attributes (href, src, style url(), meta refresh ...)
    extra: tuple[str, ...]  # other attribute values worth reading, each with its "\n"
    fields: tuple[tuple[str, str], ...] | None  # a form field's attributes (and "_tag")
    breaks: bool  # a block tag: ends a line
    opens: bool  # pushed on the stack (not void, not self-closed)
    hides: bool  # hides its content itself (<head>, hidden, display:none ...)


def _start_tag(tag: str, raw: str) -> _StartTag:
    attrs = [(k.lower(), html.unescape(v.strip("\"'")) if v else "") for k, v in _ATTR_RE.findall(raw)]
    amap = dict(attrs)
    links: list[str] = []
    extra: list[str] = []
    for k, v in amap.items():
        if k in _LINK_ATTRS:
            for url in (v.split(",") if k == "srcset" else [v]):
                url = url.strip().split(" ")[0] if k == "srcset" else url.strip()
                if url:
                    links.append(url)
        elif k == "style":
            links.extend(_CSS_URL.findall(v))
        elif k == "content" and amap.get("http-equiv", "").lower() == "refresh":
            links.extend(_REFRESH_URL.findall(v))
        elif k not in _SKIP_ATTRS and v.strip():
            extra.append(v + "\n")
    fields = (tuple((amap | {"_tag": tag}).items())
              if tag in ("input", "textarea", "select", "form", "button") else None)
    # A self-closed non-void tag ("<div/>") is pushed and popped at once: never on the stack.
    opens = tag not in _VOID and not raw.rstrip().endswith("/")
    hides = tag in _HIDDEN_TAGS or "hidden" in amap or bool(_HIDDEN_STYLE.search(amap.get("style", "")))
    return _StartTag(tuple(links), tuple(extra), fields, tag not in _INLINE, opens, hides)


_cached_start_tag = lru_cache(maxsize=4096)(_start_tag)
_CACHED_TAG_CHARS = 1000  # longer tags are parsed each time, so giant ones cannot fill memory


class _Extractor:
    """A small, fast, forgiving HTML reader (regex tokens, no tree), enough for e-mail HTML."""

    def __init__(self) -> None:
        self.out = HtmlText(Piece(), Piece(), Piece(), [], [])
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)

    def feed(self, source: str) -> None:
        # Piece.add, end() and data() inlined: this loop runs for every tag of every e-mail.
        out, stack = self.out, self.stack
        vparts, voffs = out.visible.parts, out.visible.offsets
        hparts, hoffs = out.hidden.parts, out.hidden.offsets
        extra, links = out.extra, out.links
        unescape, inline = html.unescape, _INLINE
        pos = 0
        for m in _TAG_RE.finditer(source):
            off = m.start()
            if off > pos:
                data = source[pos:off]
                if "&" in data:
                    data = unescape(data)
                if stack and stack[-1][0] == "style":
                    links.extend((u, pos) for u in _CSS_URL.findall(data))
                if data:
                    if stack and stack[-1][1]:
                        hparts.append(data)
                        hoffs.append(pos)
                    else:
                        vparts.append(data)
                        voffs.append(pos)
            pos = m.end()
            comment, cdata, end, tag, raw = m.group("comment", "cdata", "end", "tag", "attrs")
            if comment is not None:
                extra.add(comment + "\n", off + 4)
            elif cdata is not None:
                out.hidden.add(cdata + "\n", off + 9)
            elif tag:
                tag = tag.lower()
                if end:
                    for k in range(len(stack) - 1, -1, -1):
                        if stack[k][0] == tag:
                            del stack[k:]
                            break
                    if tag not in inline:
                        vparts.append("\n")
                        voffs.append(off)
                        hparts.append("\n")
                        hoffs.append(off)
                    continue
                info = (_cached_start_tag(tag, raw) if len(raw) <= _CACHED_TAG_CHARS
                        else _start_tag(tag, raw))
                for url in info.links:
                    links.append((url, off))
                for value in info.extra:
                    extra.add(value, off)
                if info.fields is not None:
                    out.inputs.append((dict(info.fields), off))
                if info.breaks:
                    vparts.append("\n")
                    voffs.append(off)
                    hparts.append("\n")
                    hoffs.append(off)
                if info.opens:
                    stack.append((tag, (bool(stack) and stack[-1][1]) or info.hides))
        if pos < len(source):
            data = source[pos:]
            if "&" in data:
                data = unescape(data)
            if stack and stack[-1][0] == "style":
                links.extend((u, pos) for u in _CSS_URL.findall(data))
            (out.hidden if stack and stack[-1][1] else out.visible).add(data, pos)


def extract(source: str) -> HtmlText:
    parser = _Extractor()
    try:
        parser.feed(source)
    except Exception:
        parser.out.hidden.add(re.sub(r"<[^>]*>", " ", source), 0)
    return parser.out
