"""`gateway customers reindex`, and the same backfill that `gateway db upgrade` runs after the
migrations where the keys are: the e-mail blind index of customers stored before migration 0002
(docs/operations.md). Output: counts only."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import customers
from gateway.cli import privacy_cmds
from gateway.crypto import Crypto, KeyringError, KeyStoreError
from gateway.settings import Settings
from gateway.storage import make_engine


class ReindexError(Exception):
    """Some customers' e-mail did not open; the message is one line."""


def register(customers_sub: Any) -> None:
    reindex = customers_sub.add_parser(
        "reindex", help="give customers stored before migration 0002 their e-mail index (online, resumable)")
    reindex.add_argument("--batch-size", type=_positive, default=customers.REINDEX_BATCH, metavar="N",
                         help=f"customers per transaction (default {customers.REINDEX_BATCH})")
    reindex.set_defaults(run=cmd_customers_reindex)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(value)


def cmd_customers_reindex(settings: Settings, args: argparse.Namespace) -> int:
    async def run(engine: AsyncEngine, crypto: Crypto) -> None:
        await _backfill(engine, crypto, args.batch_size)

    return privacy_cmds.with_crypto(settings, run)


def after_upgrade(settings: Settings) -> None:
    """Backfill after `gateway db upgrade` when customers lack the index; without keys here, say so."""

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            left = await customers.missing_email_index(engine)
            if not left:
                return
            try:
                crypto = privacy_cmds.crypto_for(settings)
            except (KeyringError, KeyStoreError):
                print(f"e-mail index: {left} customers have none yet and the keys are not here; "
                      "run `gateway customers reindex` where they are")
                return
            try:
                await _backfill(engine, crypto, customers.REINDEX_BATCH)
            finally:
                if crypto.keystore is not None:
                    crypto.keystore.close()
        finally:
            await engine.dispose()

    asyncio.run(run())


async def _backfill(engine: AsyncEngine, crypto: Crypto, batch: int) -> None:
    done = await customers.backfill_email_index(engine, crypto, actor="operator", batch=batch)
    print(f"e-mail index: {done.indexed} customers indexed, {done.changed} erased or changed meanwhile, "
          f"{done.unreadable} unreadable")
    if done.unreadable:
        raise ReindexError(f"e-mail index: {done.unreadable} customers' e-mail did not open under the keys here "
                           "(see `gateway keys status`); the others are done, run again once fixed")
