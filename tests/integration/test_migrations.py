"""`alembic upgrade head` from an empty database, on SQLite and PostgreSQL, matches the tables the code uses."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from handlers.domain.complaint import CardRef
from handlers.domain.people import Identity
from handlers.ports.clock import ManualClock
from storage.sql.engine import make_engine
from storage.sql.migrate import downgrade, upgrade
from storage.sql.surges import SqlSurges
from storage.sql.tables import metadata
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "complaints",
    "arrivals",
    "queued_clicks",
    "customers",
    "audit_events",
    "outbox",
    "tickets",
    "checkpoints",
    "messages",
    "sla_policies",
    "team_settings",
    "stats_rollup",
    "people",
    "person_identities",
    "complaint_cards",
    "workers",
    "surges",
    "past_replies",
    "queue_arrivals",
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


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_slack_ids_and_cards_written_before_people_become_people_and_cards_on_surfaces(
    backend: str, request: pytest.FixtureRequest
) -> None:
    """Data the previous schema wrote (a Slack owner, a card, the audit trail, the roster, an alert's message and a
    pending card update) reads back as people with a Slack identity and a Slack card, in the lanes of its channel."""
    url = request.getfixturevalue(backend)
    upgrade(url, "0006")
    engine = make_engine(url)
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO complaints (source, external_id, author_id, author_handle, author_name, text, "
                    "created_at, received_at, status, version, tier, owner_id, owner_name, owner_surface, claimed_at, "
                    "card_channel, card_message_id, priority_reasons) VALUES ('x', '7', '9', 'ann', 'Ann', 'lost bag', "
                    ":t, :t, 'claimed', 2, 'standard', 'U0MARIA', 'maria', 'slack', :t, 'C0CARE', '1700000000.000100', "
                    "'[]')"
                ),
                {"t": at},
            )
            connection.execute(
                text(
                    "INSERT INTO audit_events (complaint_id, actor_id, actor_name, surface, action, at, detail) "
                    "VALUES (1, 'U0MARIA', 'maria', 'slack', 'claim', :t, '{}'), "
                    "(1, 'squeaky', 'Squeaky', 'system', 'ping:arrival', :t, '{}')"
                ),
                {"t": at},
            )
            connection.execute(
                text("INSERT INTO team_settings (name, value, updated_at) VALUES (:n, :v, :t), (:a, :w, :t)"),
                {
                    "n": "oncall.roster",
                    "v": '{"users": ["U0MARIA", "U0LI"], "cadence": null}',
                    "a": "announcement:spike:delays",
                    "w": '{"channel": "C0CARE", "message_id": "1700000000.000200"}',
                    "t": at,
                },
            )
            connection.execute(
                text(
                    "INSERT INTO outbox (kind, key, complaint_id, payload, status, attempts, failures, available_at, "
                    "created_at, rank) VALUES ('card.update', 'card.update:1:2', 1, '{}', 'pending', 0, 0, :t, :t, 1), "
                    "('x.reply', 'x.reply:1:2', 1, '{}', 'pending', 0, 0, :t, :t, 0)"
                ),
                {"t": at},
            )
        upgrade(url)
        uow = SqlUnitOfWorkFactory(engine, ManualClock(at), surfaces=("slack",))
        with uow() as unit:
            complaint = unit.complaints.get(1)
            assert complaint is not None and complaint.owner is not None
            assert (complaint.owner.name, dict(complaint.owner.handles)) == ("maria", {"slack": "U0MARIA"})
            assert complaint.cards == (CardRef("slack", "C0CARE", {"message": "1700000000.000100"}),)
            maria = unit.people.resolve(Identity("slack", "U0MARIA"))
            assert maria.key == complaint.owner.id
            roster = unit.team.roster()
            assert roster is not None and roster.users[0] == maria.key
            li = unit.people.get_many([roster.users[1]])[roster.users[1]]
            assert dict(li.handles) == {"slack": "U0LI"}
            assert [e.actor.id for e in unit.audit.for_complaint(1)] == [maria.key, "squeaky"]
            earlier = unit.team.announcement("slack:spike:delays")
            assert earlier == CardRef("slack", "C0CARE", {"message": "1700000000.000200"})
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT kind, key, lane FROM outbox ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("card.update", "card.update:1:2@slack", "slack:C0CARE:update"),
            ("social.reply", "x.reply:1:2", "social"),  # renamed by 0014, its key kept
        ]
        downgrade(url, "0006")
        with engine.connect() as connection:
            row = connection.execute(text("SELECT owner_id, card_channel, card_message_id FROM complaints")).one()
        assert tuple(row) == ("U0MARIA", "C0CARE", "1700000000.000100")
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_cases_stored_before_posting_times_keep_the_order_they_were_ranked_in(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(backend)
    upgrade(url, "0012_profile_links")
    engine = make_engine(url)
    stored = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            for external_id, posted in (("early", stored.replace(hour=8)), ("clock-ahead", stored.replace(hour=11))):
                connection.execute(
                    text(
                        "INSERT INTO complaints (source, external_id, author_id, author_handle, author_name, text, "
                        "created_at, received_at, status, version, tier, priority_reasons) VALUES ('x', :e, '9', "
                        "'ann', 'Ann', 'lost bag', :p, :s, 'new', 1, 'standard', '[]')"
                    ),
                    {"e": external_id, "p": posted, "s": stored},
                )
        upgrade(url)
        with engine.connect() as connection:
            rows = dict(connection.execute(text("SELECT external_id, posted_at FROM complaints")).all())
        as_utc = {
            k: (v if isinstance(v, datetime) else datetime.fromisoformat(v)).replace(tzinfo=UTC)
            for k, v in rows.items()
        }
        assert as_utc == {"early": stored, "clock-ahead": stored}  # their rank came from when they were stored
        downgrade(url, "0012_profile_links")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM complaints")).scalar() == 2  # nothing lost
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_the_last_days_cases_are_counted_into_their_queues_usual_rate(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(backend)
    upgrade(url, "0013")
    engine = make_engine(url)
    latest = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            for external_id, queue, at in (
                ("1", "vip", latest),
                ("2", "vip", latest.replace(hour=1)),
                ("3", "vip", latest.replace(day=27, month=11)),  # days before: not part of the usual rate
                ("4", "billing", latest.replace(hour=5)),
            ):
                connection.execute(
                    text(
                        "INSERT INTO complaints (source, external_id, author_id, author_handle, author_name, text, "
                        "created_at, received_at, posted_at, status, version, tier, priority_reasons, queue) VALUES "
                        "('x', :e, '9', 'ann', 'Ann', 'lost bag', :at, :at, :at, 'new', 1, 'standard', '[]', :q)"
                    ),
                    {"e": external_id, "at": at, "q": queue},
                )
        upgrade(url)
        with engine.connect() as connection:
            since = latest - timedelta(days=1)
            counted = {queue: SqlSurges(connection).received_since(queue, since) for queue in ("vip", "billing")}
        assert counted == {"vip": 2, "billing": 1}
    finally:
        engine.dispose()


def test_complaints_pages_keep_room_for_their_follow_up_counts(pg_url: str) -> None:
    upgrade(pg_url)
    engine = make_engine(pg_url)
    options = text("SELECT reloptions FROM pg_class WHERE relname = 'complaints'")
    with engine.connect() as connection:
        assert connection.execute(options).scalar() == ["fillfactor=80"]
    downgrade(pg_url, "0017")
    with engine.connect() as connection:
        assert connection.execute(options).scalar() is None
    engine.dispose()
