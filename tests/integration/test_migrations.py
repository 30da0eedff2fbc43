"""`alembic upgrade head` from an empty database, on SQLite and PostgreSQL, matches the tables the code uses."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from storage.sql.engine import make_engine
from storage.sql.migrate import downgrade, upgrade
from storage.sql.tables import metadata

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "complaints",
    "customers",
    "audit_events",
    "outbox",
    "tickets",
    "checkpoints",
    "messages",
    "sla_policies",
    "team_settings",
    "stats_rollup",
    "alembic_version",
}

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_upgrade_from_empty_matches_the_models_and_downgrades(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(backend)
    upgrade(url)
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
        assert diff == [], f"migrations and storage/sql/tables.py disagree: {diff}"
        downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_alembic_command_line_upgrade_head(backend: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(backend)
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    try:
        assert "complaints" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_complaints_stored_before_triage_get_their_opening_message(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(backend)
    upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO complaints (source, external_id, author_id, author_handle, author_name, text, "
                    "created_at, received_at, status, version, tier) VALUES ('x', '7', '9', 'Maria_K', 'Maria', "
                    "'lost bag', :t, :t, 'new', 1, 'standard')"
                ),
                {"t": datetime(2026, 1, 1, tzinfo=UTC)},
            )
        upgrade(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT author_key, topic FROM complaints")).one() == ("maria_k", "other")
            kind, complaint_id = connection.execute(text("SELECT kind, complaint_id FROM messages")).one()
        assert (kind, complaint_id) == ("opening", 1)
    finally:
        engine.dispose()
