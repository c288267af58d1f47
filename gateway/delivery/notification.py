"""The notification e-mail: "you have a new message", a link to it, and nothing sensitive.

Templates live in templates/email/notification.LANG.{subject,txt,html}.j2 (the reviewed defaults;
a version approved in the console replaces one part of one language, see use_versions) and are
rendered in an immutable sandbox that can see exactly five values. The e-mail is built fresh for every attempt,
but its Message-ID is derived from the notification id, so a retried send is recognisably the same
e-mail to the receiving side.
"""

from __future__ import annotations

import quopri
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from gateway import addresses

LANGUAGES = ("nb", "nn", "en")
PARTS = ("subject", "txt", "html")

CATEGORY_LABELS = {
    "nb": {"invoice": "Faktura", "reminder": "Betalingspåminnelse", "contract": "Avtale",
           "support": "Kundeservice", "general": "Informasjon"},
    "nn": {"invoice": "Faktura", "reminder": "Betalingspåminning", "contract": "Avtale",
           "support": "Kundeservice", "general": "Informasjon"},
    "en": {"invoice": "Invoice", "reminder": "Payment reminder", "contract": "Contract",
           "support": "Customer service", "general": "Information"},
}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def template_name(language: str, part: str) -> str:
    return f"notification.{language}.{part}.j2"


def format_date(when: datetime, language: str) -> str:
    if language == "en":
        return f"{when.day} {_MONTHS_EN[when.month - 1]} {when.year}"
    return when.strftime("%d.%m.%Y")


class NotificationRenderer:
    def __init__(self, templates_dir: Path, *, public_url: str, company_name: str) -> None:
        self.templates_dir = templates_dir
        self.public_url = public_url.rstrip("/")
        self.company_name = company_name
        loader = FileSystemLoader(str(templates_dir / "email"))
        self.text_env = ImmutableSandboxedEnvironment(loader=loader, undefined=StrictUndefined,
                                                      autoescape=False)
        self.html_env = ImmutableSandboxedEnvironment(loader=loader, undefined=StrictUndefined,
                                                      autoescape=True)
        # Parse once at start-up; a missing template stops the service there, not mid-send.
        self.files = {
            (lang, part): self._env(part).get_template(template_name(lang, part))
            for lang in LANGUAGES for part in PARTS
        }
        self.templates = dict(self.files)
        self.versions: dict[tuple[str, str], str] = {}

    def _env(self, part: str) -> ImmutableSandboxedEnvironment:
        return self.html_env if part == "html" else self.text_env

    def use_versions(self, sources: dict[tuple[str, str], str]) -> None:
        """Make these approved sources live, keyed (`notification.PART`, language) as the console
        stores them; every other part and language keeps its reviewed file."""
        if sources == self.versions:
            return
        templates = dict(self.files)
        for (name, lang), source in sources.items():
            part = name.removeprefix("notification.")
            if (lang, part) in templates:
                templates[(lang, part)] = self._env(part).from_string(source)
        self.templates, self.versions = templates, dict(sources)

    def with_versions(self, sources: dict[tuple[str, str], str]) -> NotificationRenderer:
        """A renderer of its own for a preview (the live one is left as it is)."""
        other = NotificationRenderer(self.templates_dir, public_url=self.public_url,
                                     company_name=self.company_name)
        other.use_versions(sources)
        return other

    def file_source(self, language: str, part: str) -> str:
        """The reviewed default text of one part."""
        return (self.templates_dir / "email" / template_name(language, part)).read_text(encoding="utf-8")

    def message_url(self, message_id: str) -> str:
        return f"{self.public_url}/portal/messages/{message_id}"

    def render(self, *, language: str, message_id: str, category: str, sensitive: bool,
               sent_at: datetime) -> RenderedEmail:
        context = {
            "message_url": self.message_url(message_id),
            "portal_url": f"{self.public_url}/portal/",
            # A sensitive message's e-mail does not even say what kind of message it is.
            "category": "" if sensitive else CATEGORY_LABELS[language][category],
            "company_name": self.company_name,
            "sent_date": format_date(sent_at, language),
        }
        subject, text, html = (self.templates[(language, part)].render(context) for part in PARTS)
        return RenderedEmail(" ".join(subject.split()), text.strip() + "\n", html)


class BadRecipient(ValueError):
    """The recipient is not one clean addr-spec; writing it into a header would break the e-mail."""


@dataclass(frozen=True)
class OutgoingEmail:
    """A notification ready for SMTP: envelope addresses and the message bytes (CRLF lines)."""

    sender: str
    recipient: str
    data: bytes


def build_email(rendered: RenderedEmail, *, to: str, mail_from: str, notification_id: str,
                language: str, date: datetime) -> OutgoingEmail:
    """multipart/alternative (text, HTML), quoted-printable UTF-8, no attachment.

    The structure never varies, so its bytes are assembled here with the standard library's
    encoders (RFC 2047 headers, quoted-printable bodies) instead of flattening an email.message
    object, which costs more CPU than the rest of a send together. The boundary cannot occur in a
    quoted-printable body, which encodes every "=" as "=3D".

    Raises BadRecipient unless `to` is a single clean addr-spec: a CR or LF in it would end the
    header block early (an e-mail without Subject or Message-ID), a comma would add recipients."""
    if not addresses.is_addr_spec(to):
        raise BadRecipient("the recipient address is not a single valid e-mail address")
    sender = _address(mail_from)
    boundary = f"=_{notification_id}"
    headers = (
        ("From", _from_header(mail_from)),
        ("To", to),
        ("Subject", _encoded_header(rendered.subject)),
        ("Date", format_datetime(date)),
        ("Message-ID", f"<{notification_id}@{_domain(sender)}>"),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
        ("Content-Language", language),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    )
    lines = [f"{name}: {value}" for name, value in headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    parts = b"".join(_part(boundary, subtype, body) for subtype, body in (("plain", rendered.text),
                                                                          ("html", rendered.html)))
    return OutgoingEmail(sender, to, head + parts + f"--{boundary}--\r\n".encode("ascii"))


def _part(boundary: str, subtype: str, body: str) -> bytes:
    head = (f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n")
    encoded = quopri.encodestring(body.encode("utf-8")).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    # The CRLF before the next boundary belongs to the boundary (RFC 2046), not to the body.
    return head.encode("ascii") + encoded + b"\r\n"


@lru_cache(maxsize=64)
def _encoded_header(text: str) -> str:
    return Header(text, "utf-8").encode(linesep="\r\n")


@lru_cache(maxsize=8)
def _address(mail_from: str) -> str:
    return parseaddr(mail_from)[1]


@lru_cache(maxsize=8)
def _from_header(mail_from: str) -> str:
    name, address = parseaddr(mail_from)
    return formataddr((name, address), charset="utf-8")


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"
