"""Link rules: e-mails may link only to the portal origin, without tokens or redirects."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .findings import Hit

# URLs written out in text, including scheme-less "www." and bare "host.tld/path" forms.
_TLDS = (r"no|com|net|org|io|ly|co|me|info|biz|xyz|app|link|site|online|top|eu|de|se|dk|fi|uk|"
         r"ru|cn|tk|gl|gd|to|cc|us|ai|dev|page|click|shop|live|store|icu|club|cloud|support|"
         r"help|services|services|network|website|space|fun|tech|best|win|vip|work|men|loan|"
         r"bank|pro|mobi|ws|su|ml|ga|cf|gq|pw|ink|nu|is|im|at|ch|nl|be|fr|es|it|pl|ee|lv|lt")
_URL_RE = re.compile(
    r"(?i)(?:\b(?:https?|hxxps?|ftp|javascript|data|vbscript|file|mailto|tel|sms):[^\s<>\"'`]*"
    r"|(?<![@\w.-])//[a-z0-9.-]+\.[a-z]{2,}[^\s<>\"'`]*"
    r"|(?<![@\w.-])www\d?\.[^\s<>\"'`]+"
    rf"|(?<![@\w.:/-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})\b(?:[/?#][^\s<>\"'`]*)?)"
)
SHORTENERS = {
    "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly",
    "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "s.id", "lnkd.in",
    "trib.al", "bl.ink", "short.io", "urlr.me", "v.gd", "qr.ae", "adf.ly", "bit.do", "mcaf.ee",
    "su.pr", "po.st", "x.co", "soo.gd", "clck.ru", "shorte.st", "ouo.io", "tiny.one", "u.to",
    "1url.com", "rotf.lol", "shrtco.de", "gg.gg", "surl.li", "link.tl", "y2u.be", "youtu.be",
    "aka.ms", "amzn.to", "fb.me", "db.tt", "wp.me", "tr.im", "cli.gs", "snip.ly", "hyperurl.co",
    "smarturl.it", "linktr.ee", "tinycc.com", "kortlink.no", "kortlenke.no", "shorturl.com",
    "l.facebook.com", "lm.facebook.com", "l.instagram.com", "out.reddit.com", "href.li",
    "safelinks.protection.outlook.com", "urldefense.com", "urldefense.proofpoint.com",
    "click.pstmrk.it", "sendgrid.net", "list-manage.com", "mailchi.mp", "redirect.viglink.com",
    "t.me", "wa.me", "g.co", "goo.su", "dub.sh", "rebrandly.com", "lnk.to", "ift.tt",
}
_REDIRECT_PATH = re.compile(r"(?i)(?:^|/)(?:redirect|redir|out|go|goto|jump|link|url|r|l|click|"
                            r"away|exit|external|track|forward|proxy|outbound)(?:/|$|\.)")
_TOKENISH = re.compile(r"(?i)^(?:eyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?|[A-Za-z0-9_\-]{40,}|[a-f0-9]{32,})$")
_SAFE_ID = re.compile(r"(?i)^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|"
                      r"[0-9a-hjkmnp-tv-z]{26}|[A-Za-z0-9_-]{1,39})$")


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\\]")


def origin_of(url: str) -> tuple[str, str, int] | None:
    try:
        p = urlsplit(url.strip())
        host = (p.hostname or "").rstrip(".").lower()
        port = p.port or {"http": 80, "https": 443}.get(p.scheme.lower(), 0)
    except ValueError:
        return None
    if not host:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return p.scheme.lower(), host, port


_URLISH = re.compile(r"[.:/]")
_CHUNK_REST = re.compile(r"\S*")


def urlish_chunks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each whitespace-delimited chunk that holds a dot, colon or slash: the
    characters are found by one scan in C, and each is widened to its chunk (the walk back never
    passes the end of the previous chunk, so the whole is linear)."""
    out = []
    pos = 0
    while (m := _URLISH.search(text, pos)) is not None:
        s = m.start()
        while s > pos and not text[s - 1].isspace():  # str.isspace is what \s means to re
            s -= 1
        pos = _CHUNK_REST.match(text, m.end()).end()  # type: ignore[union-attr]
        out.append((s, pos))
    return out


def urls_in_text(text: str) -> list[tuple[int, int, str]]:
    # Only whitespace-delimited chunks with a dot, colon or slash can hold a URL; scanning
    # those alone keeps the check of a rendered e-mail fast.
    out = []
    for base, end in urlish_chunks(text):
        if _URLISH.search(text, base, end - 1) is None and text[end - 1] == ".":
            continue  # "e-posten.": every URL form needs a ":", a "/" or a dot with text after it
        for m in _URL_RE.finditer(text[base:end]):
            out.append((base + m.start(), base + m.end(), m.group(0).rstrip(".,;:!?)]}'\"")))
    return out


def check_url(url: str, portal: tuple[str, str, int]) -> str | None:
    """The rule a URL breaks, or None when it is a clean link into the portal. A pure function
    of its arguments; ordinary-length URLs are cached (every notification carries the same
    portal links), so a flood of giant ones cannot fill memory."""
    if len(url) <= _CACHED_URL_CHARS:
        return _check_url_cached(url, portal)
    return _check_url(url, portal)


_CACHED_URL_CHARS = 512


@lru_cache(maxsize=4096)
def _check_url_cached(url: str, portal: tuple[str, str, int]) -> str | None:
    return _check_url(url, portal)


def _check_url(url: str, portal: tuple[str, str, int]) -> str | None:
    raw = url.strip()
    if not raw:
        return None
    if _CONTROL_RE.search(raw):
        return "link.foreign_origin"
    low = raw.lower()
    if low.startswith("cid:") or raw == "#":
        return None  # inline images of the e-mail itself; an empty in-page anchor
    if low.startswith("tel:"):
        return "link.phone"
    if re.match(r"(?i)^(?:mailto|javascript|data|vbscript|file|ftp|sms|blob|about|hxxps?):", raw):
        return "link.scheme"
    if raw.startswith("//"):
        raw = portal[0] + ":" + raw
    elif not re.match(r"(?i)^[a-z][a-z0-9+.-]*:", raw):
        if raw.startswith(("/", "#", "?", ".")):
            raw = f"{portal[0]}://{portal[1]}{_port_suffix(portal)}" + ("/" if not raw.startswith("/") else "") + raw
        else:
            raw = "https://" + raw
    try:
        p = urlsplit(raw)
    except ValueError:
        return "link.foreign_origin"
    if p.scheme.lower() not in ("http", "https"):
        return "link.scheme"
    origin = origin_of(raw)
    if origin is None:
        return "link.foreign_origin"
    host = origin[1]
    labels = host.split(".")
    if any(".".join(labels[k:]) in SHORTENERS for k in range(len(labels) - 1)):
        return "link.shortener"
    if p.username is not None or p.password is not None or origin != portal:
        return "link.foreign_origin"
    path = unquote(p.path)
    if re.search(r"(?i)(?:https?:|//|%2f%2f|\\\\)", path + p.path[1:]) or _REDIRECT_PATH.search(path):
        return "link.redirect"
    if p.query or p.fragment or raw.rstrip().endswith(("?", "#")):
        q = (p.query + p.fragment).lower()
        if re.search(r"(?:url|redirect|next|return|goto|target|dest|continue|r|u)=", q):
            return "link.redirect"
        return "link.token"
    for seg in path.split("/"):
        if seg and _TOKENISH.match(seg) and not _SAFE_ID.match(seg):
            return "link.token"
        if re.search(r"(?i)(?:token|session|auth|otp|code|key|secret|sig|jwt)[=:]", seg):
            return "link.token"
    return None


def _port_suffix(portal: tuple[str, str, int]) -> str:
    default = {"http": 80, "https": 443}.get(portal[0])
    return "" if portal[2] == default else f":{portal[2]}"


def find_links_in_text(text: str, portal: tuple[str, str, int]) -> list[Hit]:
    hits = []
    for s, e, url in urls_in_text(text):
        rule = check_url(url, portal)
        if rule:
            hits.append(Hit(rule, s, e, key=f"{rule}:{url}"))
    return hits
