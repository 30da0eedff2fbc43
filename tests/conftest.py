"""Fixtures for the real PostgreSQL and Redis (never faked), fresh SQLite files, and the local Slack and X servers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text

from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.sql.engine import make_engine, normalize_url
from storage.sql.migrate import upgrade
from tests.private_servers import PrivatePostgres, PrivateRedis

PG_ADMIN_URL = os.environ.get("SQUEAKY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _redis_test_url() -> str:
    """Redis database 15 (or SQUEAKY_TEST_REDIS_URL's), one database lower per further pytest-xdist process, so that
    processes running tests side by side never flush each other's streams (14 is the benchmarks')."""
    base = os.environ.get("SQUEAKY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    if worker == 0:
        return base
    server, _, database = base.rpartition("/")
    number = int(database) - worker - (1 if int(database) > 14 else 0)
    if number < 0:
        raise RuntimeError(f"too many test processes for the Redis databases below {base}")
    return f"{server}/{number}"


REDIS_TEST_URL = _redis_test_url()
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _fail_unreachable(what: str, url: str, exc: Exception) -> None:
    pytest.fail(
        f"{what} is not reachable at {url} ({exc.__class__.__name__}: {exc}). "
        "Integration tests use the real server; start it (see README, 'Running the tests').",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An engine on the PostgreSQL server's `test` database, used to create and drop scratch databases."""
    engine = create_engine(normalize_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        _fail_unreachable("PostgreSQL", PG_ADMIN_URL, exc)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin: Engine) -> Iterator[str]:
    """The URL of a brand-new, empty PostgreSQL database, dropped after the test."""
    name = f"squeaky_t_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with pg_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The URL of a new SQLite file."""
    return f"sqlite:///{tmp_path / 'squeaky.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    upgrade(url)
    return str(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, with a pool large enough for concurrency tests."""
    engine = make_engine(db_url, pool_size=30)
    yield engine
    engine.dispose()


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A client on the real Redis, on a test database flushed before and after."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except Exception as exc:
        _fail_unreachable("Redis", REDIS_TEST_URL, exc)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def local_slack() -> Iterator[LocalSlack]:
    """The local Slack Web API on an ephemeral port."""
    server = LocalSlack()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_bluesky() -> Iterator[LocalBluesky]:
    """A local Bluesky PDS and AppView on an ephemeral port."""
    server = LocalBluesky()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_mastodon() -> Iterator[LocalMastodon]:
    """A local Mastodon instance on an ephemeral port."""
    server = LocalMastodon()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_x() -> Iterator[LocalX]:
    """The local X API v2 on an ephemeral port."""
    server = LocalX()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A Redis of the test's own, started, that the test may stop and start again (it comes back empty)."""
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL of the test's own, started, with an empty `squeaky` database; the test may stop and start it."""
    server = PrivatePostgres()
    try:
        yield server.start()
    finally:
        server.remove()
