"""Record a bounce: the notification becomes `bounced` (status code and cleaned diagnostic), the
customer's run of hard bounces grows, and at GATEWAY_HARD_BOUNCE_LIMIT the address is marked
undeliverable until billing or the customer changes it. The callback event and the audit entry are
written in the same transaction.

Reports are recorded in groups (the reports that arrive together on several connections share one
transaction, gateway/inbound/server.py) with a fixed number of statements per group, not per
report: building and executing SQLAlchemy statements one report at a time cost most of a report's
CPU. The statements are built once, with bound parameters."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from gateway import audit, callbacks, metrics
from gateway.inbound.dsn import Report
from gateway.storage.schema import customers, notifications

_FIND = (select(notifications.c.id, notifications.c.message_id, notifications.c.customer_id,
                notifications.c.status, notifications.c.bounce_token)
         .where(notifications.c.bounce_token.in_(bindparam("tokens", expanding=True))))
_MARK_BOUNCED = (update(notifications).where(notifications.c.id == bindparam("n_id"))
                 .values(status="bounced", bounce_status=bindparam("b_status"),
                         bounce_diagnostic=bindparam("b_diagnostic"), bounced_at=bindparam("b_at"),
                         lease_owner=None, lease_expires_at=None))
_ADD_HARD = (update(customers).where(customers.c.id == bindparam("c_id"))
             .values(email_hard_bounces=customers.c.email_hard_bounces + bindparam("n")))
_HARD_STATE = (select(customers.c.id, customers.c.email_hard_bounces, customers.c.email_undeliverable_at)
               .where(customers.c.id.in_(bindparam("ids", expanding=True))))
_MARK_UNDELIVERABLE = (update(customers).where(customers.c.id == bindparam("c_id"))
                       .values(email_undeliverable_at=bindparam("at")))


def record_many_sync(conn: Connection, reports: list[tuple[str, Report]], now: datetime,
                     hard_limit: int) -> list[str]:
    """Several reports (token, report) in one transaction. Returns each one's outcome, in order:
    "bounced", "undeliverable", "duplicate", "delayed" or "unknown"."""
    found = {row.bounce_token: row for row in conn.execute(_FIND, {"tokens": sorted({t for t, _ in reports})})}
    outcomes: list[str] = []
    bounced: dict[str, tuple[Any, Report]] = {}  # notification id -> (row, report), in arrival order
    for token, report in reports:
        row = found.get(token)
        if row is None:
            outcomes.append("unknown")
        elif report.action == "delayed":
            outcomes.append("delayed")  # the remote side still tries: nothing is decided yet
        elif row.status == "bounced" or row.id in bounced:
            outcomes.append("duplicate")
        else:
            bounced[row.id] = (row, report)
            outcomes.append("bounced")
    if not bounced:
        return outcomes
    # Rows are updated in id order, so that two copies of `gateway inbound` (PostgreSQL) take their
    # row locks in the same order and never deadlock.
    conn.execute(_MARK_BOUNCED, [{"n_id": row.id, "b_status": report.status, "b_diagnostic": report.diagnostic or None,
                                  "b_at": now} for row, report in sorted(bounced.values(), key=lambda b: b[0].id)])
    reaching = _count_hard_bounces(conn, [row.customer_id for row, report in bounced.values() if report.hard],
                                   now, hard_limit)
    entries: list[audit.Entry] = []
    events: list[tuple[str, str, datetime]] = []
    hard_seen: Counter[str] = Counter()
    made_undeliverable: set[str] = set()
    for row, report in bounced.values():
        entries.append(audit.Entry("inbound", "notification.bounced", row.message_id,
                                   {"notification_id": row.id, "status": report.status, "hard": report.hard}))
        if report.hard:
            if reaching.get(row.customer_id) == hard_seen[row.customer_id]:
                entries.append(audit.Entry("inbound", "customer.email_undeliverable", row.customer_id,
                                           {"hard_bounces": hard_limit}))
                metrics.undeliverable.inc()
                made_undeliverable.add(row.id)
            hard_seen[row.customer_id] += 1
        events.append((row.message_id, "bounced", now))
    audit.append_many_sync(conn, entries)
    callbacks.emit_sync(conn, events)
    order = iter(bounced)
    return [("undeliverable" if next(order) in made_undeliverable else o) if o == "bounced" else o for o in outcomes]


def record_sync(conn: Connection, token: str, report: Report, now: datetime, hard_limit: int) -> str:
    """One report; returns what happened (as record_many_sync)."""
    return record_many_sync(conn, [(token, report)], now, hard_limit)[0]


def _count_hard_bounces(conn: Connection, customer_ids: list[str], now: datetime, limit: int) -> dict[str, int]:
    """Add each customer's hard bounces of this group (one per entry) to their run; mark the
    addresses that reach `limit` undeliverable. Returns, for each of those customers, which of
    their hard bounces in this group (0 for the first) reached it."""
    if not customer_ids:
        return {}
    added = Counter(customer_ids)
    conn.execute(_ADD_HARD, [{"c_id": c, "n": n} for c, n in sorted(added.items())])
    reaching: dict[str, int] = {}
    # Read after the update in the same transaction: the rows are ours (locked) until commit.
    for row in conn.execute(_HARD_STATE, {"ids": sorted(added)}):
        if row.email_hard_bounces < limit or row.email_undeliverable_at is not None:
            continue
        before = row.email_hard_bounces - added[row.id]
        reaching[row.id] = max(0, limit - before - 1)
    if reaching:
        conn.execute(_MARK_UNDELIVERABLE, [{"c_id": c, "at": now} for c in sorted(reaching)])
    return reaching
