"""The outbox's front door, for the billing side: queue a notification in the message's own
transaction (a transactional outbox: the job exists exactly when the message does) and wake this
process's worker, if it runs one, instead of waiting for its next poll."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import Connection

from gateway.delivery.verp import new_token
from gateway.ids import new_id
from gateway.storage.inserts import insert_rows
from gateway.storage.schema import notifications

# The in-process worker's wake-up event (set by delivery.inapp while a worker runs in the app).
WAKEUP = web.AppKey("outbox_wakeup", asyncio.Event)


def new_job(message_id: str, customer_id: str, now: datetime) -> dict[str, Any]:
    """The outbox row that notifies `customer_id` of a new message, due at once."""
    return {"id": new_id(), "message_id": message_id, "customer_id": customer_id, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "created_at": now, "bounce_token": new_token()}


def enqueue_sync(conn: Connection, jobs: Sequence[dict[str, Any]]) -> None:
    """Insert jobs made by new_job, in the caller's transaction (after their messages' rows)."""
    insert_rows(conn, notifications, jobs)


def notify(app: web.Application) -> None:
    """New jobs are queued: wake the worker running in this application, if any."""
    wakeup = app.get(WAKEUP)
    if wakeup is not None:
        wakeup.set()
