"""Replies to a notification. Only the headers are read; the text is never parsed, stored or logged.

A known customer (found by the keyed index of the From address, never by decrypting the table)
gets a reply attempt recorded: who, and about which message if the reply names the notification's
Message-ID, without what they wrote. The sender gets at most one automatic answer per 24 hours,
and none at all to automatic mail, mailing lists or bounces (RFC 3834 section 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.ids import new_id
from gateway.storage import reading
from gateway.storage.inserts import insert_rows
from gateway.storage.schema import auto_answers, customers, notifications, reply_attempts

ANSWER_INTERVAL = timedelta(hours=24)
_NO_ANSWER_LOCALS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "bounce", "listserv", "majordomo")
_MESSAGE_ID = re.compile(r"<([A-Za-z0-9_-]{16,40})@")


@dataclass(frozen=True)
class Reply:
    """What the headers say (addresses lower-cased); nothing of the body."""

    sender: str  # envelope sender (Return-Path); "" for the null sender
    author: str  # the From address
    automatic: bool  # must not be answered (RFC 3834)
    notification_ids: tuple[str, ...]  # from In-Reply-To / References
    message_id: str | None  # the reply's own Message-ID (for In-Reply-To of the answer)


def read_headers(envelope_sender: str, raw: bytes) -> Reply:
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    sender = parseaddr(envelope_sender)[1].lower() if envelope_sender not in ("", "<>") else ""
    author = parseaddr(str(headers.get("From") or ""))[1].lower()
    refs = " ".join(str(headers.get(name) or "") for name in ("In-Reply-To", "References"))
    own = str(headers.get("Message-ID") or "").strip()
    return Reply(sender, author, _automatic(headers, sender), tuple(dict.fromkeys(_MESSAGE_ID.findall(refs))),
                 own if re.fullmatch(r"<[^<>\s]{1,250}>", own) else None)


def _automatic(headers: Message, sender: str) -> bool:
    submitted = str(headers.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(headers.get("Precedence") or "").strip().lower()
    suppress = str(headers.get("X-Auto-Response-Suppress") or "").lower()
    local = sender.rpartition("@")[0]
    return (not sender or not submitted.startswith("no")
            or any(headers.get(h) for h in ("List-Id", "List-Unsubscribe", "List-Post", "X-Autoreply"))
            or precedence in ("bulk", "list", "junk") or "all" in suppress or "autoreply" in suppress
            or local.startswith(_NO_ANSWER_LOCALS))


def record_sync(conn: Connection, reply: Reply, author_index: str | None, sender_index: str | None,
                now: datetime) -> tuple[list[str], bool]:
    """Record reply attempts of known customers; decide whether to answer (and note the answer).
    Returns (customer ids recorded, answer?)."""
    recorded: list[str] = []
    if author_index is not None:
        known = [r.id for r in conn.execute(select(customers.c.id).where(customers.c.email_index == author_index,
                                                                          customers.c.erased_at.is_(None)))]
        about = dict(conn.execute(select(notifications.c.customer_id, notifications.c.message_id)
                                  .where(notifications.c.id.in_(reply.notification_ids))).tuples().all()) \
            if reply.notification_ids else {}
        rows = [{"id": new_id(), "customer_id": cid, "message_id": about.get(cid), "received_at": now} for cid in known]
        if rows:
            insert_rows(conn, reply_attempts, rows)
            audit.append_many_sync(conn, [audit.Entry("inbound", "customer.reply_by_email", r["customer_id"],
                                                      {"message_id": r["message_id"]}) for r in rows])
            recorded = known
    answer = not reply.automatic and sender_index is not None and _claim_answer(conn, sender_index, now)
    return recorded, answer


def _claim_answer(conn: Connection, sender_index: str, now: datetime) -> bool:
    """At most one answer per sender per ANSWER_INTERVAL: take the slot if it is free."""
    taken = conn.execute(update(auto_answers)
                         .where(and_(auto_answers.c.sender_index == sender_index,
                                     auto_answers.c.last_at <= now - ANSWER_INTERVAL))
                         .values(last_at=now)).rowcount
    if taken:
        return True
    exists = conn.execute(select(auto_answers.c.sender_index)
                          .where(auto_answers.c.sender_index == sender_index)).first()
    if exists is not None:
        return False
    insert_rows(conn, auto_answers, [{"sender_index": sender_index, "last_at": now}])
    return True


@dataclass(frozen=True)
class ReplyAttempt:
    """For the console thread: "the customer tried to reply by e-mail", when, about which message."""

    message_id: str | None
    received_at: datetime


async def attempts_for(engine: AsyncEngine, customer_id: str) -> list[ReplyAttempt]:
    async with reading(engine) as conn:
        rows = await conn.execute(select(reply_attempts.c.message_id, reply_attempts.c.received_at)
                                  .where(reply_attempts.c.customer_id == customer_id)
                                  .order_by(reply_attempts.c.received_at))
        return [ReplyAttempt(row.message_id, row.received_at) for row in rows]
