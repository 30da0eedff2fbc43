"""Build SQLAlchemy engines for PostgreSQL (production) and SQLite (the embedded default)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from storage.sql import array_params

DEFAULT_URL = "sqlite:///squeaky.db"


def normalize_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out (postgres://, postgresql://) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5, pgbouncer: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and write-locking transactions, so writers queue up.

    On PostgreSQL the process opens at most `pool_size + max_overflow` connections. Behind
    PgBouncer in transaction mode (`pgbouncer`), a connection is a different server session
    each transaction, so no statement is prepared on the server."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    connect_args: dict[str, Any] = {"prepare_threshold": None} if pgbouncer else {}
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, connect_args=connect_args
    )
    event.listen(engine, "connect", _postgresql_on_connect)
    return engine


def describe_pool(engine: Engine) -> str:
    """What the engine may open, for the process to say at start."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"database: SQLite file {url.database} (one writer at a time; fine for one process)"
    pool = engine.pool
    size, overflow = getattr(pool, "size", lambda: 0)(), getattr(pool, "_max_overflow", 0)
    where = f"{url.host}:{url.port or 5432}/{url.database}"
    return (
        f"database: PostgreSQL at {where}; this process opens at most {size + overflow} connections "
        f"(DB_POOL_SIZE={size} + DB_MAX_OVERFLOW={overflow})"
    )


def _postgresql_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Batches pass thousands of ids as arrays: write them in one join, not two regular expressions per element.
    array_params.register(dbapi_connection)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, say when a transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front: a read-then-CAS never fails with "database is locked"
    # halfway, it waits its turn instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
