"""Append-only, hash-chained audit log.

Each row's hash covers the previous row's hash and its own fields, so changing or deleting any row
breaks the chain from there on (`gateway audit verify`). Details hold ids and counts only: never
personal data or content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.storage import reading
from gateway.storage.inserts import insert_rows
from gateway.storage.schema import audit_log, staff
from gateway.storage.types import utcnow

GENESIS = "0" * 64
# Any fixed number: every appender on PostgreSQL takes this transaction-scoped lock so the chain
# stays linear across processes. SQLite already serialises writers (BEGIN IMMEDIATE).
_PG_LOCK_ID = 0x6761_7465


@dataclass(frozen=True)
class Entry:
    actor: str
    action: str
    subject: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def _digest(prev_hash: str, at: datetime, entry: Entry, details_json: str) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(), entry.actor, entry.action, entry.subject, details_json],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# Built once: every write transaction that audits (each message write) reads the head.
_HEAD = select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)


def _head(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    row = conn.execute(_HEAD)
    return row.scalar() or GENESIS


async def append(conn: AsyncConnection, *entries: Entry) -> None:
    """Append entries inside the caller's transaction, so the record commits with the action."""
    await append_many(conn, entries)


async def append_many(conn: AsyncConnection, entries: Iterable[Entry]) -> None:
    entries = list(entries)
    if entries:
        await conn.run_sync(append_many_sync, entries)


def append_many_sync(conn: Connection, entries: Iterable[Entry]) -> None:
    """append_many for a synchronous connection (gateway/storage/writer.py runs whole transactions so)."""
    entries = list(entries)
    if not entries:
        return
    prev = _head(conn)
    at = utcnow()
    rows = []
    for entry in entries:
        details_json = json.dumps(dict(entry.details), sort_keys=True, separators=(",", ":"))
        digest = _digest(prev, at, entry, details_json)
        rows.append(
            {
                "at": at,
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "details": details_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    insert_rows(conn, audit_log, rows)


async def latest_details(conn: AsyncConnection, actions: Iterable[str]) -> dict[str, Any] | None:
    """The details of the newest entry with one of `actions`, or None if there is none."""
    details = (await conn.execute(
        select(audit_log.c.details).where(audit_log.c.action.in_(tuple(actions)))
        .order_by(audit_log.c.seq.desc()).limit(1))).scalar()
    return None if details is None else dict(json.loads(details))


@dataclass(frozen=True)
class Recorded:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]


async def concerning(conn: AsyncConnection, subjects: Sequence[str]) -> list[Recorded]:
    """Every entry about one of `subjects` (a customer id and their message, attachment and reply
    ids), oldest first: what the right of access shows of the audit log."""
    found: list[Recorded] = []
    for start in range(0, len(subjects), 500):
        rows = await conn.execute(select(audit_log).where(audit_log.c.subject.in_(subjects[start:start + 500])))
        found.extend(Recorded(r.seq, r.at, r.actor, r.action, r.subject, json.loads(r.details)) for r in rows)
    return sorted(found, key=lambda r: r.seq)


@dataclass(frozen=True)
class VerifyResult:
    rows: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(engine: AsyncEngine) -> VerifyResult:
    """Walk the chain in order; report where a row was changed, deleted or inserted."""
    problems: list[str] = []
    prev = GENESIS
    count = 0
    async with reading(engine) as conn:
        result = await conn.stream(select(audit_log).order_by(audit_log.c.seq))
        async for row in result:
            count += 1
            if row.prev_hash != prev:
                problems.append(f"row {row.seq}: chain broken (a row before it was changed or deleted)")
            entry = Entry(row.actor, row.action, row.subject)
            expected = _digest(row.prev_hash, row.at, entry, row.details)
            if expected != row.hash:
                problems.append(f"row {row.seq}: contents do not match its hash (row was changed)")
            prev = row.hash
    return VerifyResult(count, problems)


@dataclass(frozen=True)
class StaffRead:
    at: datetime
    role: str
    first_name: str


STAFF_READ = "console.message.read"  # subject: the customer whose message a staff member opened


async def staff_reads(conn: AsyncConnection, customer_id: str, limit: int = 200) -> list[StaffRead]:
    """Who at the company opened this customer's messages, and when (newest first): role and first
    name only, never an e-mail address. Read from the audit log itself, so it cannot leave one out."""
    rows = (await conn.execute(select(audit_log.c.at, audit_log.c.actor)
                               .where(audit_log.c.action == STAFF_READ, audit_log.c.subject == customer_id)
                               .order_by(audit_log.c.seq.desc()).limit(limit))).all()
    ids = {row.actor.removeprefix("staff:") for row in rows if row.actor.startswith("staff:")}
    people = {r.id: (r.role, r.first_name) for r in await conn.execute(
        select(staff.c.id, staff.c.role, staff.c.first_name).where(staff.c.id.in_(ids)))} if ids else {}
    return [StaffRead(row.at, *people.get(row.actor.removeprefix("staff:"), ("staff", "")))
            for row in rows]
