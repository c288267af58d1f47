"""Stored versions of message and e-mail templates, with four-eyes approval.

Both kinds take the same path. A message template is named like its file in templates/messages/
(`invoice_ready`); an e-mail template is one part of the notification e-mail, named
`notification.subject|txt|html` like its file in templates/email/ (the dot keeps the two kinds
apart: no message template name has one). The files are the reviewed defaults. A template admin saves a new version of
one (name, language) in the console: it is checked by the guard first and cannot be saved while
refused, and it is stored as "pending" with its author. It goes live only when a second template
admin approves it ("active"; the active one before it becomes "superseded"); the author cannot
approve their own. Rolling back is saving an earlier version's text again, which is approved the
same way. Every process makes the active versions live (`load_active` → MessageTemplates.use_versions
for messages, NotificationRenderer.use_versions for the e-mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.billing.templates import NAME_RE
from gateway.delivery.notification import PARTS
from gateway.guard import Finding, check_template, is_refused
from gateway.ids import new_id
from gateway.storage.schema import staff, template_versions

LANGUAGES = ("nb", "nn", "en")
MAX_SOURCE = 50_000
PENDING, ACTIVE, SUPERSEDED, REJECTED = "pending", "active", "superseded", "rejected"
MESSAGE, EMAIL = "message", "email"
EMAIL_NAMES = tuple(f"notification.{part}" for part in PARTS)


class TemplateRefusal(Exception):
    """Not saved or not approved; `key` is the console's text for why."""

    def __init__(self, key: str, findings: list[Finding] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.findings = findings or []


@dataclass(frozen=True)
class Version:
    id: str
    name: str
    language: str
    source: str
    status: str
    author: str
    author_name: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


def kind_of(name: str) -> str:
    return EMAIL if name in EMAIL_NAMES else MESSAGE


def check(name: str, language: str, source: str, portal_url: str) -> list[Finding]:
    """The guard's findings under the rules of the template's kind (the e-mail's are the stricter)."""
    return check_template(source, kind=kind_of(name), name=f"{name}.{language}", portal_url=portal_url)


def valid_key(name: str, language: str) -> bool:
    return (name in EMAIL_NAMES or bool(NAME_RE.fullmatch(name))) and language in LANGUAGES


async def save(conn: AsyncConnection, name: str, language: str, source: str, author: str, now: datetime,
               portal_url: str) -> str:
    if not valid_key(name, language) or not source.strip() or len(source) > MAX_SOURCE:
        raise TemplateRefusal("template_invalid")
    findings = check(name, language, source, portal_url)
    if is_refused(findings):
        raise TemplateRefusal("template_refused", findings)
    if kind_of(name) == MESSAGE and not _has_blocks(source):
        raise TemplateRefusal("template_blocks")
    version_id = new_id()
    await conn.execute(template_versions.insert().values(
        id=version_id, name=name, language=language, source=source, status=PENDING, author=author, created_at=now))
    return version_id


def _has_blocks(source: str) -> bool:
    try:
        blocks = ImmutableSandboxedEnvironment().from_string(source).blocks
    except TemplateSyntaxError:
        return False
    return "subject" in blocks and "body" in blocks


async def approve(conn: AsyncConnection, version_id: str, approver: str, now: datetime, portal_url: str) -> Version:
    version = await get(conn, version_id)
    if version is None:
        raise TemplateRefusal("template_unknown")
    if version.status != PENDING:
        raise TemplateRefusal("template_not_pending")
    if version.author == approver:
        raise TemplateRefusal("template_four_eyes")
    if is_refused(check(version.name, version.language, version.source, portal_url)):  # the guard may have grown
        raise TemplateRefusal("template_refused")
    await conn.execute(update(template_versions).where(
        template_versions.c.name == version.name, template_versions.c.language == version.language,
        template_versions.c.status == ACTIVE).values(status=SUPERSEDED))
    await conn.execute(update(template_versions).where(template_versions.c.id == version_id)
                       .values(status=ACTIVE, decided_by=approver, decided_at=now))
    return version


async def reject(conn: AsyncConnection, version_id: str, who: str, now: datetime) -> Version:
    version = await get(conn, version_id)
    if version is None or version.status != PENDING:
        raise TemplateRefusal("template_not_pending")
    await conn.execute(update(template_versions).where(template_versions.c.id == version_id)
                       .values(status=REJECTED, decided_by=who, decided_at=now))
    return version


_COLUMNS = (template_versions, staff.c.first_name)


async def get(conn: AsyncConnection, version_id: str) -> Version | None:
    row = (await conn.execute(select(*_COLUMNS).join(staff, staff.c.id == template_versions.c.author)
                              .where(template_versions.c.id == version_id))).first()
    return None if row is None else _version(row)


async def history(conn: AsyncConnection, name: str, language: str) -> list[Version]:
    rows = await conn.execute(select(*_COLUMNS).join(staff, staff.c.id == template_versions.c.author)
                              .where(template_versions.c.name == name, template_versions.c.language == language)
                              .order_by(template_versions.c.created_at.desc(), template_versions.c.id))
    return [_version(row) for row in rows]


async def pending(conn: AsyncConnection) -> list[Version]:
    rows = await conn.execute(select(*_COLUMNS).join(staff, staff.c.id == template_versions.c.author)
                              .where(template_versions.c.status == PENDING).order_by(template_versions.c.created_at))
    return [_version(row) for row in rows]


async def load_active(conn: AsyncConnection, kind: str) -> dict[tuple[str, str], str]:
    """The approved source of each (name, language) of this kind."""
    rows = await conn.execute(select(template_versions.c.name, template_versions.c.language,
                                     template_versions.c.source).where(template_versions.c.status == ACTIVE))
    return {(row.name, row.language): row.source for row in rows if kind_of(row.name) == kind}


def _version(r: Any) -> Version:
    return Version(r.id, r.name, r.language, r.source, r.status, r.author, r.first_name, r.created_at,
                   r.decided_by, r.decided_at)
