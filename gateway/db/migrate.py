"""Run Alembic migrations programmatically (`gateway db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py reads the URL from here; "%" must be doubled for configparser.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Synchronous: call it from a thread when an event loop is already running."""
    command.upgrade(alembic_config(database_url), revision)
