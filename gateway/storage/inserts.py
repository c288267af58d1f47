"""INSERT of many prepared rows with the least Python work while SQLite's write lock is held.

On SQLite there is one write lock for the whole file, and a message-create transaction holds it
while its rows are inserted. SQLAlchemy's general execution path (compiling a multi-row statement
for each batch size, building an execution context, processing each parameter) cost about three
times SQLite's own work there. `insert_rows` sends the same statement SQLAlchemy would: the SQL
text for a table, its columns and a row count is built once, and each value goes through the
column type's own bind processor (the public `TypeEngine.bind_processor`), so what is stored is
exactly what `conn.execute(table.insert(), rows)` stores. Other databases take that path itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.sql.schema import ScalarElementColumnDefault

# SQLite's limit on bound variables per statement (32,766 since 3.32), with room to spare.
MAX_VARIABLES = 32_000


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that all carry the same keys (column names) into table."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), list(rows))
        return
    names = tuple(rows[0])
    defaults = _defaults(table, names)
    names_all = names + tuple(defaults)
    processors = _processors(table, names_all, conn.dialect)
    per_statement = max(1, MAX_VARIABLES // len(names_all))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        params: list[Any] = []
        for row in chunk:
            values = [row[name] for name in names] + list(defaults.values())
            params.extend(value if proc is None else proc(value)
                          for value, proc in zip(values, processors, strict=True))
        conn.exec_driver_sql(_sql(conn.dialect, table, names_all, len(chunk)), tuple(params))


def _defaults(table: Table, names: tuple[str, ...]) -> dict[str, Any]:
    """Scalar Python-side defaults of the columns the rows leave out, as SQLAlchemy would add."""
    found = {}
    for column in table.columns:
        if column.name not in names and column.default is not None:
            if not isinstance(column.default, ScalarElementColumnDefault):
                raise ValueError(f"{table.name}.{column.name}: only scalar defaults are supported here")
            found[column.name] = column.default.arg
    return found


@lru_cache(maxsize=64)
def _processors(table: Table, names: tuple[str, ...], dialect: Any) -> tuple[Callable[[Any], Any] | None, ...]:
    return tuple(table.c[name].type.bind_processor(dialect) for name in names)


@lru_cache(maxsize=256)
def _sql(dialect: Any, table: Table, names: tuple[str, ...], count: int) -> str:
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.format_column(table.c[name]) for name in names)
    row = "(" + ", ".join("?" * len(names)) + ")"
    return f"INSERT INTO {quote.format_table(table)} ({columns}) VALUES " + ", ".join([row] * count)
