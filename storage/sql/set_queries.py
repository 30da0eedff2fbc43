"""Set-based SQL for batches: ids in chunks, `= ANY(array)` on PostgreSQL, COPY for rows known to be new."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.types.json import Json
from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    Table,
    any_,
    bindparam,
    insert,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from handlers.ports.complaints import DuplicateKey

CHUNK = 5000  # ids per IN (...) list or array
_Key = TypeVar("_Key", str, int)


def chunks(values: Collection[_Key]) -> list[list[_Key]]:
    """The values, sorted, in lists of at most CHUNK."""
    ordered = sorted(values)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def one_of(connection: Connection, column: Any, values: list[Any]) -> Any:
    """`column IN values`: one array parameter on PostgreSQL (= ANY), which parses once whatever the count."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows known to be new: COPY on PostgreSQL (several times faster than INSERT), executemany elsewhere.

    A unique-key violation (a concurrent writer stored the same post) raises DuplicateKey.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        try:
            connection.execute(insert(table), rows)
        except IntegrityError as exc:
            raise DuplicateKey(str(exc.orig)) from exc
        return
    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    if json_columns:
        copy_rows(
            connection,
            table,
            columns,
            ([Json(row[c]) if c in json_columns else row[c] for c in columns] for row in rows),
        )
    else:
        copy_rows(connection, table, columns, ([row[c] for c in columns] for row in rows))


def copy_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: COPY rows known to be new, each a sequence of `columns`' values (no mapping built per row);
    a unique-key violation raises DuplicateKey."""
    raw = connection.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except psycopg.errors.UniqueViolation as exc:
        raise DuplicateKey(str(exc)) from exc


def insert_or_ignore(connection: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    raise ValueError(f"Squeaky runs on PostgreSQL or SQLite, not {dialect}")
