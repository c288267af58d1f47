"""Extract what a reader (and a mail client) sees from HTML, with positions in the source.

Three texts come out: the visible text (inline tags joined without a space, so
``pass<b>word</b>`` reads "password"; block tags end a line), the hidden text (display:none,
hidden, <head>, <style>, <script>, <template> ...), and attribute values and comments.
Character references are decoded by the parser.  Links (href, src, action, meta refresh,
CSS url()) are collected separately for the link rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

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
_LOOKS_HTML = re.compile(r"<\s*[a-zA-Z!/?][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text))


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
        for part, off in zip(self.parts, self.offsets):
            m.extend(range(off, off + len(part)))
        return text, m


@dataclass
class HtmlText:
    visible: Piece
    hidden: Piece
    extra: Piece  # attribute values and comments
    links: list[tuple[str, int]]  # (url, source offset)
    inputs: list[tuple[dict[str, str], int]]  # form fields, for request.form_field


class _Extractor(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.out = HtmlText(Piece(), Piece(), Piece(), [], [])
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[min(line, len(self.line_starts)) - 1] + col

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        off = self._offset()
        amap = {k.lower(): (v or "") for k, v in attrs}
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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break
        if tag not in _INLINE:
            self._break(self._offset())

    def _break(self, off: int) -> None:
        self.out.visible.add("\n", off)
        self.out.hidden.add("\n", off)

    def handle_data(self, data: str) -> None:
        off = self._offset()
        target = self.out.hidden if self._hidden() else self.out.visible
        if self.stack and self.stack[-1][0] == "style":
            self.out.links.extend((u, off) for u in _CSS_URL.findall(data))
        target.add(data, off)

    def handle_comment(self, data: str) -> None:
        self.out.extra.add(data + "\n", self._offset() + 4)

    def unknown_decl(self, data: str) -> None:  # CDATA and friends
        self.out.hidden.add(data + "\n", self._offset())


def extract(source: str) -> HtmlText:
    parser = _Extractor(source)
    try:
        parser.feed(source)
        parser.close()
    except Exception:  # noqa: BLE001 - malformed HTML must not stop the guard
        parser.out.hidden.add(re.sub(r"<[^>]*>", " ", source), 0)
    return parser.out
