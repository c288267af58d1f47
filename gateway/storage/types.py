"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_fromisoformat = datetime.fromisoformat


class UTCDateTime(TypeDecorator[datetime]):
    """Always-aware UTC timestamps: SQLite drops the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], datetime | None] | None:
        """On SQLite, the text SQLAlchemy stored ("2026-11-25 00:48:01.123456", always UTC) parsed
        with its zone in one step: a sixth of the time of parsing, then replacing the zone, which
        every timestamp of every row read paid. Anything else takes the general path."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def process(value: Any) -> datetime | None:
            if value.__class__ is str:
                try:
                    return _fromisoformat(value + "+00:00")
                except ValueError:
                    pass
            return general(value)

        return process


def utcnow() -> datetime:
    return datetime.now(UTC)
