"""Read a delivery status notification: RFC 3464 multipart/report first, then the common shapes
without one (qmail, Exchange, Postfix and others that put the SMTP reply in plain text).

Only the status code and a diagnostic with every address and long number removed are kept; the
returned message (often the whole notification) is never looked at beyond that."""

from __future__ import annotations

import binascii
import quopri
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_BASIC = re.compile(r"(?:^|said:\s*|returned\s*'?|reply:\s*|<<<\s*|\(#)([45]\d\d)\b", re.MULTILINE | re.IGNORECASE)
_ADDRESS = re.compile(r"<?[^\s<>@\"']+@[^\s<>\"']+>?")
_LONG_NUMBER = re.compile(r"\d(?:[ .-]?\d){7,}")  # 8+ digits: ids, accounts, cards, phones; not codes
MAX_DIAGNOSTIC = 200


@dataclass(frozen=True)
class Report:
    action: str  # "failed" or "delayed"
    status: str  # enhanced status code, e.g. "5.1.1"
    diagnostic: str

    @property
    def hard(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")


def clean(text: str) -> str:
    """A diagnostic fit to keep: one line, addresses and long numbers masked, short."""
    text = _ADDRESS.sub("<address>", " ".join(text.split()))
    return _LONG_NUMBER.sub("<number>", text)[:MAX_DIAGNOSTIC]


_ENCODING = re.compile(rb"^content-transfer-encoding:[ \t]*(base64|quoted-printable)\b",
                       re.IGNORECASE | re.MULTILINE)
_DS_PART = re.compile(rb"^content-type:[ \t]*message/delivery-status\b", re.IGNORECASE | re.MULTILINE)
_BLANK = re.compile(rb"\r?\n\r?\n")
_BOUNDARY_LINE = re.compile(rb"\r?\n--")


def parse(raw: bytes) -> Report | None:
    """The report in a DSN, or None if `raw` is not one (e.g. a vacation reply to the bounce address)."""
    fast = _delivery_status_part(raw)
    if fast is not None:
        report = _standard_blocks(fast)
        if report is not None:
            return report
    message = BytesParser(policy=compat32).parsebytes(raw)
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            report = _standard(part)
            if report is not None:
                return report
    if _is_auto_reply(message):
        return None
    return _plain_text(message)


def _delivery_status_part(raw: bytes) -> list[dict[str, str]] | None:
    """The common case without parsing the whole message (the returned original can be large): the
    field blocks of the message/delivery-status part, found by its Content-Type line and read with
    one split per line (no email.parser); None if not found."""
    match = _DS_PART.search(raw)
    if match is None:
        return None
    head_end = _BLANK.search(raw, match.end())
    if head_end is None:
        return None
    end = _BOUNDARY_LINE.search(raw, head_end.end())
    body = raw[head_end.end():end.start() if end else len(raw)]
    # Some MTAs encode the part (RFC 3464 allows any encoding); the parser would not decode it.
    # Its header lines run from the boundary line before the Content-Type to the blank line.
    encoding = _ENCODING.search(raw, raw.rfind(b"\n--", 0, match.start()) + 1, head_end.start())
    if encoding is not None:
        try:
            body = (binascii.a2b_base64(body) if encoding.group(1).lower() == b"base64"
                    else quopri.decodestring(body))
        except (binascii.Error, ValueError):
            return None
        body = body.replace(b"\r\n", b"\n")
    return [_fields(block.decode("utf-8", "replace")) for block in _BLANK.split(body) if block.strip()]


def _fields(block: str) -> dict[str, str]:
    """One block's fields, names in lower case, folded lines joined; the first of a name wins."""
    fields: dict[str, str] = {}
    name = ""
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            name = key.strip().lower()
            if name in fields:
                name = ""  # a repeated field: keep the first, as email.message.Message.get does
            else:
                fields[name] = value.strip()
    return fields


def _standard(part: Message) -> Report | None:
    """Per-recipient fields of an RFC 3464 report: the first failed recipient, else the first delayed."""
    blocks = part.get_payload()
    if isinstance(blocks, str):  # not split into blocks by the parser: do it here
        return _standard_blocks([_fields(b) for b in re.split(r"\r?\n\r?\n", blocks) if b.strip()])
    if not isinstance(blocks, list):
        return None
    return _standard_blocks([{k.lower(): str(v) for k, v in reversed(b.items())}
                             for b in blocks if isinstance(b, Message)])


def _standard_blocks(blocks: list[dict[str, str]]) -> Report | None:
    found: list[Report] = []
    for block in blocks:
        action = block.get("action", "").strip().lower()
        status = _ENHANCED.search(block.get("status", ""))
        if action not in ("failed", "delayed") or status is None:
            continue
        found.append(Report(action, status.group(0), clean(block.get("diagnostic-code", ""))))
    failed = [r for r in found if r.action == "failed"]
    chosen = failed or found
    return chosen[0] if chosen else None


def _is_auto_reply(message: Message) -> bool:
    submitted = (message.get("Auto-Submitted") or "no").strip().lower()
    return submitted.startswith("auto-replied") or bool(message.get("X-Autoreply"))


def _plain_text(message: Message) -> Report | None:
    """Non-standard bounces: the first SMTP reply in the text parts (an enhanced code if given)."""
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_content_type() == "text/rfc822-headers":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        enhanced, basic = _ENHANCED.search(text), _BASIC.search(text)
        if enhanced is None and basic is None:
            continue
        if enhanced is not None and enhanced.group(1) in "45":
            status = enhanced.group(0)
            at = enhanced.start()
        elif basic is not None:
            status = f"{basic.group(1)[0]}.0.0"
            at = basic.start(1)
        else:
            continue
        line = text[text.rfind("\n", 0, at) + 1:].split("\n", 1)[0]
        action = "failed" if status.startswith("5.") or "delay" not in text.lower() else "delayed"
        return Report(action, status, clean(line))
    return None
