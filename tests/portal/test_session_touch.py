"""Sessions that come due for a touch together (signed in together, used at once) are all kept
alive: each last_seen_at moves to the time of its use, and the concurrent touches share writes
instead of each waiting for the database's write lock in turn."""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine, event, select

from gateway.clock import FakeClock
from gateway.storage import make_engine
from gateway.storage.schema import web_sessions
from gateway.storage.writer import close_writer
from gateway.webkit.sessions import SessionStore


async def test_concurrent_touches_keep_every_session_alive_in_shared_writes(database_url: str) -> None:
    engine = make_engine(database_url)
    clock = FakeClock()
    store = SessionStore(engine, idle_seconds=600, absolute_seconds=3600, signed_in_kind="customer",
                         pending_kind="portal_pending", clock=clock)
    writes = 0

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal writes
        writes += statement.startswith("UPDATE web_sessions")  # an executemany counts once

    try:
        ids = []
        async with engine.begin() as conn:
            for n in range(20):
                session_id, _ = await store.create(conn, kind="customer", subject_id=f"c{n}", acr="high")
                ids.append(session_id)
        clock.advance(store.touch_every.total_seconds() + 1)
        used_at = clock.now()
        event.listen(Engine, "before_cursor_execute", count)
        try:
            loaded = await asyncio.gather(*(store.load(session_id) for session_id in ids))
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        assert all(session is not None and not stale and session.last_seen_at == used_at
                   for session, stale in loaded)
        assert 1 <= writes < len(ids)  # one write per touch before: each waited for the lock in turn
        async with engine.connect() as conn:
            seen = (await conn.execute(select(web_sessions.c.last_seen_at))).scalars().all()
        assert len(seen) == 20 and all(at.replace(tzinfo=used_at.tzinfo) == used_at for at in seen)
        # Idle time counts from the touch: just short of it after the touch, still signed in.
        clock.advance(599)
        assert all(session is not None for session, _ in
                   await asyncio.gather(*(store.load(session_id) for session_id in ids)))
    finally:
        close_writer(engine)
        await engine.dispose()
