"""Staff accounts: add, list, disable, reset, and the one-time enrolment link.

A new or reset account is "invited" and gets a link that opens once and expires; enrolment (see
enrol.py) sets a password and a second factor and makes it "active". Disabling or resetting an
account ends its sessions at once. The audit log names accounts by id, never by e-mail.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import audit
from gateway.clock import SYSTEM, Clock
from gateway.ids import new_id
from gateway.storage import reading
from gateway.storage.schema import staff, staff_enrolments, staff_passkeys, web_sessions

ROLES = ("agent", "template_admin", "auditor", "admin")
INVITED, ACTIVE, DISABLED = "invited", "active", "disabled"
STAFF_KIND, PENDING_KIND = "staff", "console_pending"
ENROLMENT_LIFETIME = timedelta(hours=72)
_BY_ID = select(staff).where(staff.c.id == bindparam("id"))
HOT_STATEMENTS = (_BY_ID,)  # checked on every console request (see storage.reads.Reads)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,252}\.[^@\s]{1,63}")


class AccountError(Exception):
    """A refused account operation; the message is one line without personal data."""


@dataclass(frozen=True)
class StaffMember:
    id: str
    email: str
    first_name: str
    role: str
    status: str
    created_at: datetime
    enrolled_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def enrolment_path(token: str) -> str:
    return f"/console/enrol/{token}"


def _normal_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise AccountError("--email must be an e-mail address")
    return email


def _first_name(email: str, given: str | None) -> str:
    if given and given.strip():
        return given.strip()[:100]
    local = email.split("@", 1)[0]
    return re.split(r"[._+-]", local)[0].capitalize()[:100] or "Staff"


async def _new_link(conn: AsyncConnection, staff_id: str, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    await conn.execute(delete(staff_enrolments).where(staff_enrolments.c.staff_id == staff_id))
    await conn.execute(staff_enrolments.insert().values(
        token_hash=token_hash(token), staff_id=staff_id, created_at=now, expires_at=now + ENROLMENT_LIFETIME))
    return token


async def end_sessions(conn: AsyncConnection, staff_id: str) -> None:
    await conn.execute(delete(web_sessions).where(web_sessions.c.kind.in_((STAFF_KIND, PENDING_KIND)),
                                                  web_sessions.c.subject_id == staff_id))


async def add(engine: AsyncEngine, email: str, role: str, *, first_name: str | None = None,
              actor: str = "cli", clock: Clock = SYSTEM) -> tuple[str, str]:
    """(staff id, enrolment token) for a new invited account."""
    if role not in ROLES:
        raise AccountError(f"--role must be one of {', '.join(ROLES)}")
    email = _normal_email(email)
    now = clock.now()
    staff_id = new_id()
    async with engine.begin() as conn:
        if (await conn.execute(select(staff.c.id).where(staff.c.email == email))).first() is not None:
            raise AccountError("a staff account with this e-mail already exists")
        await conn.execute(staff.insert().values(
            id=staff_id, email=email, first_name=_first_name(email, first_name), role=role, status=INVITED,
            totp_confirmed=0, created_at=now))
        token = await _new_link(conn, staff_id, now)
        await audit.append(conn, audit.Entry(actor, "staff.add", staff_id, {"role": role}))
    return staff_id, token


async def list_staff(engine: AsyncEngine) -> list[StaffMember]:
    async with reading(engine) as conn:
        rows = await conn.execute(select(staff).order_by(staff.c.created_at, staff.c.id))
        return [_member(row) for row in rows]


def _member(row: object) -> StaffMember:
    return StaffMember(row.id, row.email, row.first_name, row.role, row.status,  # type: ignore[attr-defined]
                       row.created_at, row.enrolled_at)  # type: ignore[attr-defined]


async def by_id(conn: Any, staff_id: str) -> StaffMember | None:
    """`conn`: an AsyncConnection, or a storage.reads.Reads connection (the per-request check)."""
    row = (await conn.execute(_BY_ID, {"id": staff_id})).first()
    return None if row is None else _member(row)


async def _id_of(conn: AsyncConnection, email: str) -> str:
    row = (await conn.execute(select(staff.c.id).where(staff.c.email == _normal_email(email)))).first()
    if row is None:
        raise AccountError("no staff account with this e-mail")
    return str(row.id)


async def disable(engine: AsyncEngine, email: str, *, actor: str = "cli", clock: Clock = SYSTEM) -> str:
    """Disable the account and end its sessions in the same transaction."""
    async with engine.begin() as conn:
        staff_id = await _id_of(conn, email)
        await conn.execute(update(staff).where(staff.c.id == staff_id)
                           .values(status=DISABLED, disabled_at=clock.now()))
        await conn.execute(delete(staff_enrolments).where(staff_enrolments.c.staff_id == staff_id))
        await end_sessions(conn, staff_id)
        await audit.append(conn, audit.Entry(actor, "staff.disable", staff_id))
    return staff_id


async def reset(engine: AsyncEngine, email: str, *, actor: str = "cli", clock: Clock = SYSTEM) -> tuple[str, str]:
    """Forget password and second factors, end the sessions, and issue a new enrolment link."""
    now = clock.now()
    async with engine.begin() as conn:
        staff_id = await _id_of(conn, email)
        await conn.execute(update(staff).where(staff.c.id == staff_id).values(
            status=INVITED, password_hash=None, totp_secret_enc=None, totp_confirmed=0, totp_last_step=None,
            enrolled_at=None, disabled_at=None))
        await conn.execute(delete(staff_passkeys).where(staff_passkeys.c.staff_id == staff_id))
        await end_sessions(conn, staff_id)
        token = await _new_link(conn, staff_id, now)
        await audit.append(conn, audit.Entry(actor, "staff.reset", staff_id))
    return staff_id, token


async def open_link(conn: AsyncConnection, token: str, now: datetime) -> str | None:
    """The invited account a link belongs to, once: the link is spent here (None if unknown,
    spent, expired, or its account is no longer invited)."""
    if not token or len(token) > 100:
        return None
    spent = await conn.execute(
        update(staff_enrolments)
        .where(staff_enrolments.c.token_hash == token_hash(token), staff_enrolments.c.used_at.is_(None),
               staff_enrolments.c.expires_at > now)
        .values(used_at=now)
        .returning(staff_enrolments.c.staff_id))
    row = spent.first()
    if row is None:
        return None
    member = await by_id(conn, str(row.staff_id))
    return member.id if member is not None and member.status == INVITED else None
