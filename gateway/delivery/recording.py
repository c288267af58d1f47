"""Write a group of send results: outbox rows, audit entries and counters, in one transaction."""

from __future__ import annotations

from sqlalchemy import Connection

from gateway import audit, callbacks, metrics
from gateway.clock import Clock
from gateway.delivery import outbox
from gateway.delivery.outbox import Result

# The callback event a final result makes (a retry makes none).
EVENTS = {"sent": "sent", "failed": "failed", "held": "held", "undeliverable": "failed"}


def record_sync(conn: Connection, owner: str, group: list[Result], retry_base: float,
                give_up_seconds: float, clock: Clock) -> list[Result]:
    """One group's results and their audit entries, in one transaction."""
    recorded = outbox.finish_sync(conn, owner, group, retry_base=retry_base, give_up_seconds=give_up_seconds,
                                  clock=clock)
    audit.append_many_sync(conn, [_audit_entry(r) for r in recorded])
    now = clock.now()
    callbacks.emit_sync(conn, [(r.job.message_id, EVENTS[r.status], now) for r in recorded if r.status in EVENTS])
    return recorded


def _audit_entry(result: Result) -> audit.Entry:
    details: dict[str, object] = {"notification_id": result.job.id, "attempt": result.job.attempts}
    if result.error:
        details["reason"] = result.error
    return audit.Entry("worker", f"notification.{result.status}", result.job.message_id, details)


def count(results: list[Result]) -> None:
    counters = {"sent": metrics.sent, "failed": metrics.failed, "retry": metrics.retried, "held": metrics.held,
                "undeliverable": metrics.failed}
    for result in results:
        counters[result.status].inc()
