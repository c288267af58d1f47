"""Group commit of message creates: calls that arrive while a transaction is being written are
written together in the next one, with the outcome of running them one by one."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from typing import Any

from gateway.billing.context import BillingContext
from gateway.billing.intake import Outcome, Prepared, commit_prepared, create_alone, prepare
from gateway.billing.messages import MessageInput
from gateway.storage.writer import writer_for


async def create_many(
    services: BillingContext, client_id: str, items: Sequence[tuple[str, MessageInput]]
) -> list[Outcome]:
    """Store each (idempotency key, item); one transaction for all, so a fault stores none.

    Concurrent calls are committed together (see _GroupCommit): the result, and what is stored,
    is the same as if the calls had run one after the other in the order they arrived."""
    return await _group_commit(services.engine).submit(services, client_id, items)


# The most items one group transaction takes; a batch of 1,000 is committed on its own.
MAX_GROUP_ITEMS = 1000
# Event-loop turns the group committer waits before it writes (each costs microseconds).
GATHER_YIELDS = 3
_Call = tuple[BillingContext, str, Sequence[tuple[str, MessageInput]], "asyncio.Future[list[Outcome]]"]


class _GroupCommit:
    """Group commit: calls that arrive while a transaction is being written wait, and are then
    written together in one transaction with one commit (one fsync on SQLite, where writers are
    serialised anyway, instead of one each plus contention for the write lock).

    The group is processed in arrival order in a single pass, each call seeing the rows of those
    before it, so outcomes are exactly those of running the calls one by one. The response is sent
    only after the commit, as before. If the group transaction fails for any reason, nothing of it
    is stored and every call is retried in a transaction of its own (the pre-grouping path), so
    one call's fault never stores or fails another's."""

    def __init__(self) -> None:
        self.pending: list[_Call] = []
        self.task: asyncio.Task[None] | None = None

    def submit(self, services: BillingContext, client_id: str,
               items: Sequence[tuple[str, MessageInput]]) -> asyncio.Future[list[Outcome]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Outcome]] = loop.create_future()
        self.pending.append((services, client_id, items, future))
        if self.task is None or self.task.done():
            # A task of its own, so a cancelled request cannot strand the others of its group.
            self.task = loop.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        group: list[_Call] = []
        writing: asyncio.Task[None] | None = None
        try:
            # Let the requests already runnable on the loop reach submit() first: a group's cost is
            # mostly per transaction, so fuller groups mean less CPU per message under load.
            for _ in range(GATHER_YIELDS):
                await asyncio.sleep(0)
            # A pipeline of two: the next group is rendered, guarded and encrypted while the one
            # before it is being written. Transactions still run one at a time, in arrival order.
            while self.pending or (writing is not None and not writing.done()):
                if not self.pending:
                    assert writing is not None
                    await writing
                    continue
                group = self._take()
                prepared = await _prepare_group(group)
                if writing is not None:
                    await writing
                writing = asyncio.get_running_loop().create_task(_write_group(group, prepared))
                group = []
        except BaseException as exc:  # cancelled (loop shutdown): no call may be left waiting
            if writing is not None:
                writing.cancel()
            for *_, future in group + self.pending:
                if not future.done():
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
            self.pending.clear()
            raise

    def _take(self) -> list[_Call]:
        group: list[_Call] = []
        size = 0
        while self.pending and (not group or size + len(self.pending[0][2]) <= MAX_GROUP_ITEMS):
            call = self.pending.pop(0)
            group.append(call)
            size += len(call[2])
        return group


async def _prepare_group(group: list[_Call]) -> Prepared | None:
    """prepare() for a whole group; None if that failed (each call is then tried alone)."""
    try:
        calls = [(client_id, items) for _, client_id, items, _ in group]
        return list(zip([c for c, _ in calls], await prepare(group[0][0], calls), strict=True))
    except Exception:  # noqa: BLE001 - the alone path reports the error to its own caller
        return None


async def _write_group(group: list[_Call], prepared: Prepared | None) -> None:
    if prepared is not None:
        try:
            results = await writer_for(group[0][0].engine).run(commit_prepared, prepared)
        except Exception:  # noqa: BLE001 - rolled back; each call is retried alone below
            pass
        else:
            for (*_, future), outcomes in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(outcomes)
            return
    for services, client_id, items, future in group:
        if future.done():
            continue
        try:
            outcomes = await create_alone(services, client_id, items)
        except Exception as exc:  # noqa: BLE001 - handed to the caller, as before grouping
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(outcomes)


_GROUPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, _GroupCommit]] = \
    weakref.WeakKeyDictionary()


def _group_commit(engine: Any) -> _GroupCommit:
    per_loop = _GROUPS.setdefault(asyncio.get_running_loop(), {})
    if engine not in per_loop:
        per_loop[engine] = _GroupCommit()
    return per_loop[engine]
