"""Record a bounce: the notification becomes `bounced` (status code and cleaned diagnostic), the
customer's run of hard bounces grows, and at GATEWAY_HARD_BOUNCE_LIMIT the address is marked
undeliverable until billing or the customer changes it. The callback event and the audit entry are
written in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from gateway import audit, callbacks, metrics
from gateway.inbound.dsn import Report
from gateway.storage.schema import customers, notifications


def record_many_sync(conn: Connection, reports: list[tuple[str, Report]], now: datetime,
                     hard_limit: int) -> list[str]:
    """Several reports (token, report) in one transaction: the reports that arrive together on
    several connections share one commit. Returns each one's outcome, in order."""
    entries: list[audit.Entry] = []
    events: list[tuple[str, str, datetime]] = []
    outcomes = [_record(conn, token, report, now, hard_limit, entries, events) for token, report in reports]
    audit.append_many_sync(conn, entries)
    callbacks.emit_sync(conn, events)
    return outcomes


def record_sync(conn: Connection, token: str, report: Report, now: datetime, hard_limit: int) -> str:
    """One report; returns what happened: "bounced", "undeliverable", "duplicate", "delayed" or "unknown"."""
    return record_many_sync(conn, [(token, report)], now, hard_limit)[0]


def _record(conn: Connection, token: str, report: Report, now: datetime, hard_limit: int,
            entries: list[audit.Entry], events: list[tuple[str, str, datetime]]) -> str:
    row = conn.execute(select(notifications.c.id, notifications.c.message_id, notifications.c.customer_id,
                              notifications.c.status)
                       .where(notifications.c.bounce_token == token)).first()
    if row is None:
        return "unknown"
    if report.action == "delayed":
        return "delayed"  # the remote side still tries: nothing is decided yet
    if row.status == "bounced":
        return "duplicate"
    conn.execute(update(notifications).where(notifications.c.id == row.id)
                 .values(status="bounced", bounce_status=report.status, bounce_diagnostic=report.diagnostic or None,
                         bounced_at=now, lease_owner=None, lease_expires_at=None))
    entries.append(audit.Entry("inbound", "notification.bounced", row.message_id,
                               {"notification_id": row.id, "status": report.status, "hard": report.hard}))
    outcome = "bounced"
    if report.hard and _count_hard_bounce(conn, row.customer_id, now, hard_limit):
        entries.append(audit.Entry("inbound", "customer.email_undeliverable", row.customer_id,
                                   {"hard_bounces": hard_limit}))
        metrics.undeliverable.inc()
        outcome = "undeliverable"
    events.append((row.message_id, "bounced", now))
    return outcome


def _count_hard_bounce(conn: Connection, customer_id: str, now: datetime, limit: int) -> bool:
    """One more hard bounce in a row; True if this one makes the address undeliverable."""
    count = conn.execute(update(customers).where(customers.c.id == customer_id)
                         .values(email_hard_bounces=customers.c.email_hard_bounces + 1)
                         .returning(customers.c.email_hard_bounces, customers.c.email_undeliverable_at)).first()
    if count is None or count.email_hard_bounces < limit or count.email_undeliverable_at is not None:
        return False
    conn.execute(update(customers).where(customers.c.id == customer_id).values(email_undeliverable_at=now))
    return True
