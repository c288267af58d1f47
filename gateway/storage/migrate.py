"""Run Alembic migrations programmatically (`gateway db upgrade`).

Alembic (with Mako, about 11 MB in a process) is imported only when a migration runs or the head
revision is looked up, not with this module: a `gateway serve` supervisor checks the schema in a
short-lived child (cli/serve.py), so neither it nor the copies it forks hold Alembic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py reads the URL from here; "%" must be doubled for configparser.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Synchronous: call it from a thread when an event loop is already running."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    from sqlalchemy import text

    async with engine.connect() as conn:
        try:
            return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except Exception:  # noqa: BLE001 - no table yet means "never migrated"
            return None


async def require_current(engine: AsyncEngine) -> None:
    """Refuse to run on a schema that `gateway db upgrade` has not brought up to date."""
    if await current_revision(engine) != head_revision():
        raise SchemaOutOfDate("the database schema is not up to date: run `gateway db upgrade`")


class SchemaOutOfDate(Exception):
    pass
