"""Store messages from billing with their outbox jobs in one transaction.

The idempotency key makes retries safe: the same key with the same request returns the stored id
(and no second e-mail, because the outbox row is only written with a new message); the same key
with a different request is a conflict. Rendering, the guard and encryption happen before the
write transaction (see prepare); concurrent calls are written together (billing/group_commit.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.billing.compose import encrypt_rows, render_and_guard
from gateway.billing.context import BillingContext
from gateway.billing.messages import MessageInput
from gateway.crypto import CustomerKey
from gateway.crypto.cache import for_writes
from gateway.delivery import queue
from gateway.errors import Conflict, GatewayError, ValidationFailed
from gateway.ids import new_id
from gateway.storage.inserts import insert_rows
from gateway.storage.schema import attachments, customers, messages, notifications
from gateway.storage.types import utcnow
from gateway.storage.writer import writer_for


@dataclass
class Outcome:
    """One item's result: an id (new or replayed) or a problem."""

    id: str | None = None
    status: str | None = None
    replayed: bool = False
    error: GatewayError | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def create_alone(
    services: BillingContext, client_id: str, items: Sequence[tuple[str, MessageInput]]
) -> list[Outcome]:
    """One call in its own transaction."""
    for attempt in range(3):
        [ready] = await prepare(services, [(client_id, items)])
        try:
            [outcomes] = await writer_for(services.engine).run(commit_prepared, [(client_id, ready)])
            return outcomes
        except IntegrityError:
            # A concurrent request with the same idempotency key won the race (or the customer
            # was removed meanwhile); on retry it is found and handled by the normal paths.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Ready:
    """One item made ready outside the write transaction: the message already stored under its
    idempotency key, or its encrypted rows, or the error it gets."""

    idem_key: str
    item: MessageInput
    stored: tuple[str, str, str] | None = None  # (id, request hash, status) found by prepare
    message_id: str = ""
    rows: dict[str, list[dict[str, Any]]] | None = None
    error: GatewayError | None = None


_ERASED = "This customer was erased; nothing can be sent to them"
Prepared = list[tuple[str, list[_Ready]]]  # (client id, its items made ready) per call
_UNKNOWN_CUSTOMER = [{"field": "customer_id",
                      "detail": "no such customer (create it first with PUT /api/v1/customers/{id})"}]


async def prepare(
    services: BillingContext, calls: Sequence[tuple[str, Sequence[tuple[str, MessageInput]]]]
) -> list[list[_Ready]]:
    """Look up idempotency keys and customers, then render, guard and encrypt every new item before
    the write transaction begins, so the database's write lock (SQLite has one for the whole file)
    is held only for the inserts and the commit: other processes and the next group can write
    meanwhile. A key stored after this read is caught by the unique index in the transaction."""
    wanted: dict[str, list[str]] = {}
    for client_id, items in calls:
        wanted.setdefault(client_id, []).extend(key for key, _ in items)
    stored, customer_rows = await writer_for(services.engine).read(_lookups, wanted, calls)
    now = utcnow()
    keys = _open_keys(services, calls, stored, customer_rows)
    templates: dict[tuple[str, str], Any] = {}  # looked up once per call (a batch uses one or two)
    return [[_ready(services, client_id, idem_key, item, stored[client_id].get(idem_key), customer_rows, keys,
                    templates, now)
             for idem_key, item in items]
            for client_id, items in calls]


def _open_keys(services: BillingContext, calls: Sequence[tuple[str, Sequence[tuple[str, MessageInput]]]],
               stored: dict[str, dict[str, tuple[str, str, str]]], customer_rows: dict[str, Any],
               ) -> dict[str, CustomerKey]:
    """The customer keys of the items to be written, opened together: one key-store look-up for a
    whole batch (a billing run's customers are each new to the cache) instead of one per message.
    Through the process's write cache: a customer's next messages skip the look-up and the two
    unwraps. Safe against erasure: commit_prepared checks the rows again. A customer left out of
    the answer is being erased (its secret destroyed a moment ago)."""
    wanted: dict[str, bytes] = {}
    for client_id, items in calls:
        for idem_key, item in items:
            customer = customer_rows.get(item.customer_id)
            if idem_key not in stored[client_id] and customer is not None and customer.key_wrapped is not None:
                wanted[item.customer_id] = customer.key_wrapped
    return for_writes(services.crypto).open_customer_keys(wanted) if wanted else {}


def _lookups(conn: Connection, wanted: dict[str, list[str]],
             calls: Sequence[tuple[str, Sequence[tuple[str, MessageInput]]]],
             ) -> tuple[dict[str, dict[str, tuple[str, str, str]]], dict[str, Any]]:
    """What prepare reads: the messages already stored under the keys, per client, and the
    customers named."""
    stored = {client_id: _existing(conn, client_id, keys) for client_id, keys in wanted.items()}
    return stored, _customers(conn, [item.customer_id for _, items in calls for _, item in items])


def _ready(services: BillingContext, client_id: str, idem_key: str, item: MessageInput,
           stored: tuple[str, str, str] | None, customer_rows: dict[str, Any],
           keys: dict[str, CustomerKey], templates: dict[tuple[str, str], Any], now: datetime) -> _Ready:
    if stored is not None:
        return _Ready(idem_key, item, stored=stored)
    customer = customer_rows.get(item.customer_id)
    if customer is None:
        return _Ready(idem_key, item, error=ValidationFailed(_UNKNOWN_CUSTOMER))
    if customer.key_wrapped is None:  # erased (issue 13): the id stays, nothing is stored for it again
        return _Ready(idem_key, item, error=Conflict(_ERASED))
    try:
        subject, body = render_and_guard(services, item, customer.language, templates)
    except GatewayError as exc:
        return _Ready(idem_key, item, error=exc)
    if item.customer_id not in keys:  # its secret was destroyed a moment ago: being erased
        return _Ready(idem_key, item, error=Conflict(_ERASED))
    message_id = new_id()
    rows = encrypt_rows(services.crypto, keys[item.customer_id], message_id, client_id, idem_key,
                         item, subject, body, now)
    return _Ready(idem_key, item, message_id=message_id, rows=rows)


def commit_prepared(conn: Connection, calls: Sequence[tuple[str, list[_Ready]]]) -> list[list[Outcome]]:
    """The write transaction (run whole by gateway/storage/writer.py): decide each item in arrival order,
    as a replay of what prepare found stored or of an earlier item of this group, or new, and insert
    the rows of the new ones. A key stored by someone else since prepare read, or a customer removed
    since, fails the unique index or the foreign key: the transaction rolls back and each call is
    tried again alone, which then finds them."""
    existing: dict[str, dict[str, tuple[str, str, str]]] = {client_id: {} for client_id, _ in calls}
    rows: dict[str, list[dict[str, Any]]] = {"messages": [], "attachments": [], "notifications": []}
    entries: list[audit.Entry] = []
    results: list[list[Outcome]] = []
    live = _live_customers(conn, {r.item.customer_id for _, ready in calls for r in ready if r.rows is not None})
    for client_id, ready in calls:
        results.append([_decide(client_id, r, existing[client_id], rows, entries, live) for r in ready])
    for table in (messages, attachments):
        insert_rows(conn, table, rows[table.name])
    queue.enqueue_sync(conn, rows["notifications"])
    audit.append_many_sync(conn, entries)
    return results


def _live_customers(conn: Connection, ids: set[str]) -> set[str]:
    """Of these customers, those not erased, read inside the write transaction: an erasure that
    committed after prepare read the row (and a key that prepare found in a cache, or opened just
    before the secret was destroyed) must not let a message in. On SQLite this transaction holds
    the file's write lock, so no erasure commits until it ends. On PostgreSQL the rows are locked
    FOR KEY SHARE, which waits for an erasure holding them FOR UPDATE (privacy/erasure.py) and
    then sees its result; an erasure that comes after waits for this commit and deletes what it
    wrote. (KEY SHARE leaves the customer upsert, an ordinary UPDATE, unblocked.)"""
    unique = sorted(ids)
    found: set[str] = set()
    for start in range(0, len(unique), 500):
        found.update(conn.execute(_LIVE, {"ids": unique[start:start + 500]}).scalars())
    return found


def _decide(client_id: str, ready: _Ready, existing: dict[str, tuple[str, str, str]],
            rows: dict[str, list[dict[str, Any]]], entries: list[audit.Entry], live: set[str]) -> Outcome:
    if ready.stored is not None:
        return _replay(ready.stored, ready.item)
    if ready.idem_key in existing:
        return _replay(existing[ready.idem_key], ready.item)
    if ready.rows is None:
        return Outcome(error=ready.error)
    if ready.item.customer_id not in live:  # erased since prepare: nothing is stored for them
        return Outcome(error=Conflict(_ERASED))
    for table, new in ready.rows.items():
        rows[table].extend(new)
    existing[ready.idem_key] = (ready.message_id, ready.item.request_hash, "pending")
    # A staff member's message (the console) names its author; billing's names the API key.
    actor = client_id if client_id.startswith("staff:") else f"api_key:{client_id}"
    entries.append(audit.Entry(actor, "message.create", ready.message_id,
                               {"customer_id": ready.item.customer_id, "category": ready.item.category}))
    return Outcome(id=ready.message_id, status="pending")


def _replay(stored: tuple[str, str, str], item: MessageInput) -> Outcome:
    message_id, stored_hash, status = stored
    if stored_hash != item.request_hash:
        return Outcome(error=Conflict(
            "This Idempotency-Key was already used with a different request"))
    return Outcome(id=message_id, status=status, replayed=True)


# The statements of every message write, built once: building a select (coercions, cache key) cost
# several times more than running it (a point lookup in SQLite), on every request.
_EXISTING = (select(messages.c.idempotency_key, messages.c.id, messages.c.request_hash, notifications.c.status)
             .join(notifications, notifications.c.message_id == messages.c.id)
             .where(messages.c.client_id == bindparam("client_id"),
                    messages.c.idempotency_key.in_(bindparam("keys", expanding=True))))
_CUSTOMERS = (select(customers.c.id, customers.c.key_wrapped, customers.c.language)
              .where(customers.c.id.in_(bindparam("ids", expanding=True))))
_LIVE = (select(customers.c.id)
         .where(customers.c.id.in_(bindparam("ids", expanding=True)), customers.c.key_wrapped.is_not(None),
                customers.c.erased_at.is_(None))
         .order_by(customers.c.id)
         .with_for_update(read=True, key_share=True))


def _existing(conn: Connection, client_id: str, keys: list[str]) -> dict[str, tuple[str, str, str]]:
    found: dict[str, tuple[str, str, str]] = {}
    for start in range(0, len(keys), 500):
        rows = conn.execute(_EXISTING, {"client_id": client_id, "keys": keys[start:start + 500]})
        for row in rows:
            found[row.idempotency_key] = (row.id, row.request_hash, row.status)
    return found


def _customers(conn: Connection, ids: list[str]) -> dict[str, Any]:
    unique = sorted(set(ids))
    found: dict[str, Any] = {}
    for start in range(0, len(unique), 500):
        rows = conn.execute(_CUSTOMERS, {"ids": unique[start:start + 500]})
        found.update({row.id: row for row in rows})
    return found
