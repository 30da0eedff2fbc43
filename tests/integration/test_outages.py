"""Redis and PostgreSQL outages, played by really stopping a server of the test's own and starting it again: the
periodic jobs go on once Redis is back, a delivery batch cut by Redis gives its leases back at once, a feed that has
never returned a post reads every page that arrived meanwhile, and ingest says each retry in one line."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, select

from bot import housekeeping
from bot.worker import BEAT_SECONDS, Liveness
from handlers.ports.clock import SystemClock
from storage.redis.keys import RedisLocks
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.tables import workers
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.private_servers import PrivateRedis

pytestmark = pytest.mark.integration
OUTAGE_SECONDS = 10.0  # the drill's Redis outage
BACK_WITHIN = 10.0  # every periodic job runs again this soon after its dependency returns


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it holds; fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def redis_outage(server: PrivateRedis, seconds: float) -> float:
    """Stop the test's Redis for `seconds`, start it again (empty), and return when it was back (monotonic)."""
    server.stop()
    time.sleep(seconds)
    server.start()
    return time.monotonic()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    upgrade(pg_url)
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def test_periodic_jobs_run_again_soon_after_a_redis_outage_across_their_start(
    pg_engine: Engine, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    client = redis.Redis.from_url(private_redis.url, socket_connect_timeout=1, socket_timeout=2)
    services = SimpleNamespace(
        uow_factory=SqlUnitOfWorkFactory(pg_engine, SystemClock(), surfaces=()),
        clock=SystemClock(),
        locks=RedisLocks(client),
    )
    runs: dict[str, list[float]] = {"claims": [], "service-levels": [], "stats-rollup": []}

    def job(name: str, every: float) -> housekeeping.Job:
        return housekeeping.Job(name, every, lambda: runs[name].append(time.monotonic()))

    schedule = [job("claims", 2.0), job("service-levels", 1.0), job("stats-rollup", 3.0)]
    stop = threading.Event()
    thread = threading.Thread(
        target=housekeeping.run_jobs, args=(services, stop, schedule), kwargs={"tick": 0.1}, name="housekeeping"
    )
    thread.start()
    try:
        wait_until(lambda: all(runs.values()), 10, "each job's first pass")
        with caplog.at_level(logging.WARNING):
            back = redis_outage(private_redis, OUTAGE_SECONDS)  # every job's start falls in the outage
        wait_until(lambda: all(r and r[-1] > back for r in runs.values()), BACK_WITHIN, "every job to run again")
        assert thread.is_alive()
        assert "Redis is unreachable" in caplog.text  # the outage was said, as an outage
    finally:
        stop.set()
        thread.join(timeout=10)
        client.close()


def test_a_worker_with_a_thread_down_holds_its_heartbeat_back_until_it_runs_again(pg_engine: Engine) -> None:
    services: Any = SimpleNamespace(uow_factory=SqlUnitOfWorkFactory(pg_engine, SystemClock(), surfaces=()))
    services.clock = SystemClock()
    liveness = Liveness(services, "worker-with-a-dead-thread")
    down = ["delivery"]  # as the worker's supervisor says while its delivery thread waits to be started again
    stop = threading.Event()
    beating = threading.Thread(target=liveness.run, args=(stop, lambda: list(down)), name="heartbeat")
    beating.start()
    try:
        time.sleep(4 * BEAT_SECONDS)
        assert seen_at(pg_engine, liveness.name) is None  # no beat while a thread is down: the others may take over
        down.clear()  # started again
        wait_until(lambda: seen_at(pg_engine, liveness.name), 3, "the heartbeat")
    finally:
        stop.set()
        beating.join(timeout=5)


def seen_at(engine: Engine, name: str) -> object:
    """When the worker `name` last beat (None: never, or it left)."""
    with engine.connect() as connection:
        return connection.execute(select(workers.c.seen_at).where(workers.c.name == name)).scalar()
