"""The portal's reads and writes. Every query is scoped to the signed-in customer's id, so another
customer's message, attachment or reply is simply not found (404), exactly like a missing one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, literal_column, null, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway import audit, callbacks
from gateway.crypto import Crypto, CustomerKey
from gateway.crypto.cache import KeyCache
from gateway.customers.sealed import open_contact
from gateway.ids import new_id
from gateway.storage.schema import attachments, customers, messages, replies
from gateway.storage.types import utcnow

PAGE_SIZE = 20
MAX_REPLY_CHARS = 10_000


@dataclass
class Owner:
    """Whose message it is, as the message pages need them: the id and the opened key."""

    id: str
    key: CustomerKey


@dataclass
class Customer(Owner):
    language: str
    last_invoice_settled_at: datetime | None
    relationship_ended_at: datetime | None
    created_at: datetime
    row: Any = field(repr=False)


@dataclass
class AttachmentInfo:
    id: str
    filename: str
    content_type: str
    size: int


@dataclass
class ReplyInfo:
    id: str
    author: str
    created_at: datetime
    body: str


@dataclass
class MessageView:
    id: str
    category: str
    auth_level: str
    created_at: datetime
    read_at: datetime | None
    subject: str
    body: str
    data: Any
    attachments: list[AttachmentInfo]
    replies: list[ReplyInfo]


@dataclass
class InboxItem:
    id: str
    category: str
    auth_level: str
    created_at: datetime
    read_at: datetime | None
    subject: str | None  # None: protected (needs a higher level), not decrypted


async def customer(conn: AsyncConnection, crypto: Crypto | KeyCache, customer_id: str) -> Customer | None:
    """The customer with their key; `crypto` may be the portal's key cache (same method)."""
    row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).first()
    if row is None or row.key_wrapped is None or row.erased_at is not None:
        return None  # erased: the key cache is never asked for this customer again
    return Customer(row.id, crypto.open_customer_key(row.id, row.key_wrapped), row.language,
                    row.last_invoice_settled_at, row.relationship_ended_at, row.created_at, row)


async def customer_language(conn: AsyncConnection, customer_id: str) -> str | None:
    return (await conn.execute(select(customers.c.language).where(customers.c.id == customer_id))).scalar()


async def find_by_national_id_index(conn: AsyncConnection, index: str) -> str | None:
    """The customer signed in by national id; the most recently updated one if there are several."""
    return (await conn.execute(
        select(customers.c.id).where(customers.c.national_id_index == index, customers.c.erased_at.is_(None),
                                     customers.c.key_wrapped.is_not(None))
        .order_by(customers.c.updated_at.desc(), customers.c.id).limit(1))).scalar()


async def exists(conn: AsyncConnection, customer_id: str) -> bool:
    return (await conn.execute(
        select(customers.c.id).where(customers.c.id == customer_id, customers.c.erased_at.is_(None),
                                     customers.c.key_wrapped.is_not(None)))).first() is not None


async def inbox(conn: AsyncConnection, crypto: Crypto | KeyCache, who: Customer, page: int,
                high: bool) -> tuple[list[InboxItem], int, int]:
    """One page of the inbox, newest first; (items, total, unread)."""
    total, unread = (await conn.execute(
        select(func.count(), func.count().filter(messages.c.read_at.is_(None)))
        .select_from(messages).where(messages.c.customer_id == who.id))).one()
    rows = (await conn.execute(
        select(messages.c.id, messages.c.category, messages.c.auth_level, messages.c.created_at,
               messages.c.read_at, messages.c.key_wrapped, messages.c.subject_enc)
        .where(messages.c.customer_id == who.id)
        .order_by(messages.c.created_at.desc(), messages.c.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))).all()
    items = []
    for row in rows:
        subject = None
        if row.auth_level != "high" or high:
            dk = crypto.open_data_key(who.key, row.id, row.key_wrapped)
            subject = crypto.open(dk, "message.subject", row.subject_enc).decode("utf-8")
        items.append(InboxItem(row.id, row.category, row.auth_level, row.created_at, row.read_at, subject))
    return items, total, unread


async def message_head(conn: AsyncConnection, customer_id: str, message_id: str) -> Any | None:
    """The message row if it belongs to this customer, else None (404 either way)."""
    return (await conn.execute(
        select(messages).where(messages.c.id == message_id, messages.c.customer_id == customer_id))).first()


# The statements of the hot path (opening a message), built once: bound values only change.
_OWNED_MESSAGE = (
    select(messages.c.id, messages.c.category, messages.c.auth_level, messages.c.key_wrapped,
           messages.c.subject_enc, messages.c.body_enc, messages.c.created_at, messages.c.read_at,
           customers.c.key_wrapped.label("customer_key_wrapped"))
    .join(customers, customers.c.id == messages.c.customer_id)
    .where(messages.c.id == bindparam("message_id"), messages.c.customer_id == bindparam("customer_id"),
           customers.c.erased_at.is_(None), customers.c.key_wrapped.is_not(None)))


def _files_and_thread(padding: int) -> tuple[Select[Any], Select[Any]]:
    """Attachments and replies as rows of one shape (kind, id, key_wrapped, enc, text, size, pos,
    created_at), then `padding` NULL columns (where _MESSAGE_PAGE's message row has its own)."""
    pad = [null() for _ in range(padding)]
    files = (
        select(literal_column("'a'").label("kind"), attachments.c.id, attachments.c.key_wrapped,
               attachments.c.filename_enc.label("enc"), attachments.c.content_type.label("text"),
               attachments.c.size, attachments.c.position.label("pos"), attachments.c.created_at, *pad)
        .where(attachments.c.message_id == bindparam("message_id"),
               attachments.c.customer_id == bindparam("customer_id")))
    thread = (
        select(literal_column("'r'"), replies.c.id, replies.c.key_wrapped, replies.c.body_enc, replies.c.author,
               null(), null(), replies.c.created_at, *pad)
        .where(replies.c.message_id == bindparam("message_id"), replies.c.customer_id == bindparam("customer_id")))
    return files, thread


_ORDER = ("kind", "pos", "created_at", "id")  # attachments by position, then the thread oldest first
# Attachments and the thread in one statement: one round trip less.
_FILES_AND_THREAD = union_all(*_files_and_thread(0)).order_by(*_ORDER)
# Opening a message in one statement (one round trip, where PostgreSQL is a server away): the
# message with its owner's wrapped key (kind 'm'; only if it is this customer's and the customer is
# not erased), then its attachments and thread. Those carry the customer's id too, so nothing of
# anyone else's comes back; without the 'm' row the page is 404 whatever else came.
_MESSAGE_PAGE = union_all(
    select(literal_column("'m'").label("kind"), messages.c.id, messages.c.key_wrapped,
           messages.c.subject_enc.label("enc"), messages.c.category.label("text"), null().label("size"),
           null().label("pos"), messages.c.created_at, messages.c.body_enc, messages.c.auth_level,
           messages.c.read_at, customers.c.key_wrapped.label("owner_key"))
    .join(customers, customers.c.id == messages.c.customer_id)
    .where(messages.c.id == bindparam("message_id"), messages.c.customer_id == bindparam("customer_id"),
           customers.c.erased_at.is_(None), customers.c.key_wrapped.is_not(None)),
    *_files_and_thread(4),
).order_by(*_ORDER)
#: Run without SQLAlchemy's execution layer (see storage.reads.Reads).
HOT_STATEMENTS = (_OWNED_MESSAGE, _FILES_AND_THREAD, _MESSAGE_PAGE)


@dataclass(frozen=True)
class MessageHead:
    """The columns of a message that its page shows, named as in the messages table."""

    id: str
    category: str
    auth_level: str
    key_wrapped: bytes
    subject_enc: bytes
    body_enc: bytes
    created_at: datetime
    read_at: datetime | None


async def message_page(conn: AsyncConnection, crypto: Crypto | KeyCache, customer_id: str,
                       message_id: str) -> tuple[Owner, MessageHead, list[Any]] | None:
    """What opening a message needs, in one statement: its owner with the key, the message, and
    its attachments and replies (for message_view's `parts`); None if it is not this customer's."""
    rows = (await conn.execute(_MESSAGE_PAGE, {"message_id": message_id, "customer_id": customer_id})).all()
    head = next((row for row in rows if row.kind == "m"), None)
    if head is None:
        return None
    message = MessageHead(head.id, head.text, head.auth_level, head.key_wrapped, head.enc, head.body_enc,
                          head.created_at, head.read_at)
    owner = Owner(customer_id, crypto.open_customer_key(customer_id, head.owner_key))
    return owner, message, [row for row in rows if row.kind != "m"]


async def owned_message(conn: AsyncConnection, crypto: Crypto | KeyCache, customer_id: str,
                        message_id: str) -> tuple[Owner, Any] | None:
    """The message and its owner's key in one statement, if the message is this customer's (and
    the customer is not erased). Only the columns the message pages use: each one selected is
    converted on every page view. `crypto` may be the portal's key cache (same method)."""
    row = (await conn.execute(_OWNED_MESSAGE, {"message_id": message_id, "customer_id": customer_id})).first()
    if row is None:
        return None
    return Owner(customer_id, crypto.open_customer_key(customer_id, row.customer_key_wrapped)), row


async def message_view(conn: AsyncConnection, crypto: Crypto | KeyCache, who: Owner, row: Any, *,
                       with_data: bool = False, parts: Sequence[Any] | None = None) -> MessageView:
    """The message as the customer reads it; `parts`, its attachments and replies if already read
    (message_page). The template data (`with_data`) is only opened for the export: the page shows
    the body, which already says everything the data held."""
    dk = crypto.open_data_key(who.key, row.id, row.key_wrapped)
    subject = crypto.open(dk, "message.subject", row.subject_enc).decode("utf-8")
    body = crypto.open(dk, "message.body", row.body_enc).decode("utf-8")
    data = None
    if with_data and row.data_enc is not None:
        data = json.loads(crypto.open(dk, "message.data", row.data_enc))
    infos: list[AttachmentInfo] = []
    thread: list[ReplyInfo] = []
    if parts is None:
        parts = (await conn.execute(_FILES_AND_THREAD, {"message_id": row.id, "customer_id": who.id})).all()
    for f in parts:
        if f.kind == "r":
            rk = crypto.open_data_key(who.key, f.id, f.key_wrapped)
            thread.append(ReplyInfo(f.id, f.text, f.created_at, crypto.open(rk, "reply.body", f.enc).decode("utf-8")))
            continue
        ak = crypto.open_data_key(who.key, f.id, f.key_wrapped)
        infos.append(AttachmentInfo(f.id, crypto.open(ak, "attachment.filename", f.enc).decode("utf-8"),
                                    f.text, f.size))
    return MessageView(row.id, row.category, row.auth_level, row.created_at, row.read_at, subject, body, data,
                       infos, thread)


def _reply(crypto: Crypto | KeyCache, who: Owner, row: Any) -> ReplyInfo:
    rk = crypto.open_data_key(who.key, row.id, row.key_wrapped)
    return ReplyInfo(row.id, row.author, row.created_at, crypto.open(rk, "reply.body", row.body_enc).decode("utf-8"))


async def reply(conn: AsyncConnection, crypto: Crypto | KeyCache, who: Owner, message_id: str,
                reply_id: str) -> ReplyInfo | None:
    row = (await conn.execute(
        select(replies).where(replies.c.id == reply_id, replies.c.message_id == message_id,
                              replies.c.customer_id == who.id))).first()
    return None if row is None else _reply(crypto, who, row)


async def mark_read(conn: AsyncConnection, customer_id: str, message_id: str, actor: str) -> bool:
    """Set read_at once (billing sees it); audit the first read. True if this call marked it."""
    result = await conn.execute(
        update(messages).where(messages.c.id == message_id, messages.c.customer_id == customer_id,
                               messages.c.read_at.is_(None)).values(read_at=utcnow()))
    if result.rowcount == 1:
        await audit.append(conn, audit.Entry(actor, "portal.message.read", message_id,
                                             {"customer_id": customer_id}))
        await callbacks.emit(conn, [(message_id, "read", utcnow())])
        return True
    return False


async def attachment(conn: AsyncConnection, crypto: Crypto | KeyCache, who: Owner, message_id: str,
                     attachment_id: str) -> tuple[AttachmentInfo, bytes] | None:
    row = (await conn.execute(
        select(attachments).where(attachments.c.id == attachment_id, attachments.c.message_id == message_id,
                                  attachments.c.customer_id == who.id))).first()
    if row is None:
        return None
    ak = crypto.open_data_key(who.key, row.id, row.key_wrapped)
    info = AttachmentInfo(row.id, crypto.open(ak, "attachment.filename", row.filename_enc).decode("utf-8"),
                          row.content_type, row.size)
    return info, crypto.open(ak, "attachment.content", row.content_enc)


async def add_reply(conn: AsyncConnection, crypto: Crypto, who: Owner, message_id: str, text: str) -> str:
    reply_id = new_id()
    rk = crypto.new_data_key(who.key, reply_id)
    await conn.execute(replies.insert().values(
        id=reply_id, message_id=message_id, customer_id=who.id, author="customer", key_wrapped=rk.wrapped,
        body_enc=crypto.seal(rk, "reply.body", text.encode("utf-8")), created_at=utcnow()))
    return reply_id


async def counts(conn: AsyncConnection, customer_id: str) -> dict[str, int]:
    n_messages = (await conn.execute(select(func.count()).select_from(messages)
                                     .where(messages.c.customer_id == customer_id))).scalar_one()
    n_attachments = (await conn.execute(select(func.count()).select_from(attachments)
                                        .where(attachments.c.customer_id == customer_id))).scalar_one()
    n_replies = (await conn.execute(select(func.count()).select_from(replies)
                                    .where(replies.c.customer_id == customer_id))).scalar_one()
    n_high = (await conn.execute(select(func.count()).select_from(messages)
                                 .where(messages.c.customer_id == customer_id,
                                        messages.c.auth_level == "high"))).scalar_one()
    return {"messages": n_messages, "attachments": n_attachments, "replies": n_replies, "high": n_high}


def contact(crypto: Crypto, who: Customer) -> dict[str, str | None]:
    return open_contact(crypto, who.key, who.row)


async def everything(conn: AsyncConnection, crypto: Crypto,
                     who: Customer) -> tuple[list[MessageView], dict[str, bytes]]:
    """Every message with its attachments' contents (by attachment id) and replies: the export."""
    rows = (await conn.execute(select(messages).where(messages.c.customer_id == who.id)
                               .order_by(messages.c.created_at, messages.c.id))).all()
    views = [await message_view(conn, crypto, who, row, with_data=True) for row in rows]
    contents: dict[str, bytes] = {}
    for row in (await conn.execute(select(attachments).where(attachments.c.customer_id == who.id))).all():
        ak = crypto.open_data_key(who.key, row.id, row.key_wrapped)
        contents[row.id] = crypto.open(ak, "attachment.content", row.content_enc)
    return views, contents
