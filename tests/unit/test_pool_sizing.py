"""Each process says at start how many database connections it may open, from DB_POOL_SIZE and DB_MAX_OVERFLOW."""

from __future__ import annotations

from bot.config import Settings
from storage.sql.engine import describe_pool, make_engine


def test_a_process_says_how_many_connections_it_may_open() -> None:
    settings = Settings(database_url="postgres://care@db.internal:6432/squeaky", db_pool_size=3, db_max_overflow=2)
    engine = make_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow, pgbouncer=True
    )
    assert describe_pool(engine) == (
        "database: PostgreSQL at db.internal:6432/squeaky; this process opens at most 5 connections "
        "(DB_POOL_SIZE=3 + DB_MAX_OVERFLOW=2)"
    )
    engine.dispose()


def test_the_embedded_default_says_it_is_one_sqlite_file(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/squeaky.db")
    assert describe_pool(engine).startswith("database: SQLite file ")
    engine.dispose()
