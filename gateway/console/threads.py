"""A customer's message with its thread as staff see it (opened here, and the opening audited by the
caller), and the staff inbox: customer replies not yet answered, oldest first, with assignment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.crypto import Crypto
from gateway.storage.schema import attachments, console_replies, customers, messages, notifications, replies, staff

if TYPE_CHECKING:
    from gateway.inbound.replies import ReplyAttempt


@dataclass(frozen=True)
class Reply:
    id: str
    author: str
    created_at: datetime
    text: str


@dataclass
class MessageView:
    id: str
    customer_id: str
    category: str
    sensitivity: str
    created_at: datetime
    read_at: datetime | None
    subject: str
    body: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None
    bounce_status: str | None = None
    bounce_diagnostic: str | None = None
    bounced_at: datetime | None = None
    attachments: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    email_attempts: list[datetime] = field(default_factory=list)  # the customer replied to the e-mail

    def timeline(self) -> list[Reply | datetime]:
        """The thread in time order: the replies, and where the customer tried to reply by e-mail
        (a time only: that text was never kept)."""
        items: list[Reply | datetime] = [*self.replies, *self.email_attempts]
        return sorted(items, key=lambda item: item.created_at if isinstance(item, Reply) else item)


async def open_message(conn: AsyncConnection, crypto: Crypto, message_id: str) -> MessageView | None:
    row = (await conn.execute(
        select(messages, customers.c.key_wrapped.label("customer_key"), notifications.c.status,
               notifications.c.attempts, notifications.c.sent_at, notifications.c.last_error,
               notifications.c.bounce_status, notifications.c.bounce_diagnostic, notifications.c.bounced_at)
        .join(customers, customers.c.id == messages.c.customer_id)
        .join(notifications, notifications.c.message_id == messages.c.id)
        .where(messages.c.id == message_id, customers.c.erased_at.is_(None)))).first()
    if row is None or row.customer_key is None or row.key_wrapped is None:
        return None
    ck = crypto.open_customer_key(row.customer_id, row.customer_key)
    dk = crypto.open_data_key(ck, message_id, row.key_wrapped)
    view = MessageView(row.id, row.customer_id, row.category, row.sensitivity, row.created_at, row.read_at,
                       crypto.open(dk, "message.subject", row.subject_enc).decode(),
                       crypto.open(dk, "message.body", row.body_enc).decode(), row.status, row.attempts,
                       row.sent_at, row.last_error, row.bounce_status, row.bounce_diagnostic, row.bounced_at)
    for a in await conn.execute(select(attachments.c.id, attachments.c.key_wrapped, attachments.c.filename_enc)
                                .where(attachments.c.message_id == message_id).order_by(attachments.c.position)):
        ak = crypto.open_data_key(ck, a.id, a.key_wrapped)
        view.attachments.append(crypto.open(ak, "attachment.filename", a.filename_enc).decode())
    for r in await conn.execute(select(replies).where(replies.c.message_id == message_id)
                                .order_by(replies.c.created_at, replies.c.id)):
        rk = crypto.open_data_key(ck, r.id, r.key_wrapped)
        view.replies.append(Reply(r.id, r.author, r.created_at, crypto.open(rk, "reply.body", r.body_enc).decode()))
    return view


@dataclass(frozen=True)
class Waiting:
    reply_id: str
    message_id: str
    customer_id: str
    created_at: datetime
    assigned_to: str | None
    assigned_name: str | None


async def inbox(conn: AsyncConnection, limit: int = 200) -> list[Waiting]:
    """Customer replies without an answer, oldest first: ids and times only, no content."""
    rows = await conn.execute(
        select(replies.c.id, replies.c.message_id, replies.c.customer_id, replies.c.created_at,
               console_replies.c.assigned_to, staff.c.first_name)
        .outerjoin(console_replies, console_replies.c.reply_id == replies.c.id)
        .outerjoin(staff, staff.c.id == console_replies.c.assigned_to)
        .where(replies.c.author == "customer", console_replies.c.answered_at.is_(None))
        .order_by(replies.c.created_at, replies.c.id).limit(limit))
    return [Waiting(r.id, r.message_id, r.customer_id, r.created_at, r.assigned_to, r.first_name) for r in rows]


async def _ensure(conn: AsyncConnection, reply_ids: list[str]) -> None:
    known = {r.reply_id for r in await conn.execute(
        select(console_replies.c.reply_id).where(console_replies.c.reply_id.in_(reply_ids)))}
    for reply_id in reply_ids:
        if reply_id not in known:
            await conn.execute(console_replies.insert().values(reply_id=reply_id))


async def assign(conn: AsyncConnection, reply_id: str, staff_id: str) -> bool:
    exists = (await conn.execute(select(replies.c.id).where(replies.c.id == reply_id,
                                                            replies.c.author == "customer"))).first()
    if exists is None:
        return False
    await _ensure(conn, [reply_id])
    await conn.execute(update(console_replies).where(console_replies.c.reply_id == reply_id)
                       .values(assigned_to=staff_id))
    return True


async def mark_answered(conn: AsyncConnection, message_id: str, answer_id: str, now: datetime) -> list[str]:
    """Every unanswered customer reply on `message_id` is answered by the message `answer_id`."""
    waiting = [r.id for r in await conn.execute(
        select(replies.c.id).outerjoin(console_replies, console_replies.c.reply_id == replies.c.id)
        .where(and_(replies.c.message_id == message_id, replies.c.author == "customer",
                    console_replies.c.answered_at.is_(None))))]
    if waiting:
        await _ensure(conn, waiting)
        await conn.execute(update(console_replies).where(console_replies.c.reply_id.in_(waiting))
                           .values(answered_by_message=answer_id, answered_at=now))
    return waiting


async def assignable(conn: AsyncConnection) -> list[tuple[str, str]]:
    rows = await conn.execute(select(staff.c.id, staff.c.first_name)
                              .where(staff.c.status == "active", staff.c.role.in_(("agent", "admin")))
                              .order_by(staff.c.first_name))
    return [(r.id, r.first_name) for r in rows]


async def email_attempts(engine: AsyncEngine, customer_id: str) -> list[ReplyAttempt]:
    """When the customer tried to reply by e-mail, and about which message (never what they wrote)."""
    # Imported here: gateway.inbound's package loads its SMTP server and with it prometheus_client,
    # which `gateway serve` must set up before anything imports it (tests/test_architecture.py).
    from gateway.inbound.replies import attempts_for
    return await attempts_for(engine, customer_id)
