"""Redis and PostgreSQL outages, played by really stopping a server of the test's own and starting it again: the
periodic jobs go on once Redis is back, a delivery batch cut by Redis gives its leases back at once, a feed that has
never returned a post reads every page that arrived meanwhile, and ingest says each retry in one line."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from sqlalchemy import Engine, func, select

from bot import housekeeping
from bot.bootstrap import build_core, build_services
from bot.config import Settings
from bot.ingest import run_ingest
from bot.mastodon.client import MastodonAccount, make_client
from bot.mastodon.feeds import mentions_feed
from bot.network_feeds import poll_network_feed
from bot.pacing import Unavailable
from bot.worker import BEAT_SECONDS, Liveness
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_payload
from handlers.ports.clock import SystemClock
from sandbox.mastodon_api import LocalMastodon
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.memory.stream import MemoryStreamQueue
from storage.redis.keys import RedisLocks
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.tables import complaints, outbox, workers
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import REDIS_TEST_URL
from tests.fakes import FakeDatabase
from tests.integration.test_reliability import wait_until
from tests.people import carded_count
from tests.private_servers import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.integration, pytest.mark.alone]
OUTAGE_SECONDS = 10.0  # the drill's Redis outage
PG_OUTAGE_SECONDS = 30.0  # the drill's PostgreSQL outage
BACK_WITHIN = 10.0  # every periodic job runs again this soon after its dependency returns


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


def test_a_pass_cut_short_by_a_postgres_outage_runs_again_soon_after_not_a_period_later(
    private_postgres: PrivatePostgres, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    upgrade(private_postgres.url)
    engine = make_engine(private_postgres.url)
    uow = SqlUnitOfWorkFactory(engine, SystemClock(), surfaces=())
    services = SimpleNamespace(uow_factory=uow, clock=SystemClock(), locks=RedisLocks(redis_client))
    runs: dict[str, list[float]] = {"claims": [], "retention": []}
    outage = threading.Event()

    def reads_the_database(name: str) -> Callable[[], None]:
        def run() -> None:
            if name == "retention" and len(runs[name]) == 1:
                outage.wait(10)  # its second pass is under way when PostgreSQL goes
            with uow() as unit:
                unit.checkpoints.get("probe")
            runs[name].append(time.monotonic())

        return run

    # retention's period is far longer than the outage: a pass it cut must not wait a whole period more
    schedule = [housekeeping.Job("claims", 1.0, reads_the_database("claims"))]
    schedule.append(housekeeping.Job("retention", 4.0, reads_the_database("retention")))
    stop = threading.Event()
    thread = threading.Thread(target=housekeeping.run_jobs, args=(services, stop, schedule), kwargs={"tick": 0.1})
    thread.start()
    try:
        wait_until(lambda: runs["retention"] and runs["claims"], 10, "each job's first pass")
        schedule[1] = housekeeping.Job("retention", 600.0, schedule[1].run)  # from now on, every ten minutes
        time.sleep(5.5)  # retention's second pass has started and waits
        with caplog.at_level(logging.WARNING):
            private_postgres.stop()
            went = time.monotonic()
            outage.set()  # ...and meets the outage
            time.sleep(PG_OUTAGE_SECONDS)
            private_postgres.start()  # a retry may already get through while this returns
        # every job has run through since the outage began (retention's cut pass recorded nothing), within
        # BACK_WITHIN of PostgreSQL's return: not a period later
        wait_until(lambda: all(r[-1] > went for r in runs.values()), BACK_WITHIN, "every job to run again")
        assert thread.is_alive()
        assert "retention: the database is unreachable (OperationalError); it is tried again in" in caplog.text
    finally:
        stop.set()
        thread.join(timeout=10)
        engine.dispose()


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


def complaint(n: int) -> dict[str, str]:
    """A post on the stream, as ingest puts it there."""
    item = IncomingComplaint(
        "x", str(20_000 + n), f"c{n}", f"customer{n}", f"Customer {n}", f"@SqueakyAir problem {n}", datetime.now(UTC)
    )
    return to_payload(item)


def leases_held(engine: Engine) -> int:
    """Outbox messages under a lease that has not expired."""
    with engine.connect() as connection:
        live = outbox.c.leased_until > datetime.now(UTC)
        return connection.execute(select(func.count()).select_from(outbox).where(live)).scalar() or 0


def test_a_delivery_batch_cut_by_a_redis_outage_gives_its_leases_back_at_once(
    pg_url: str, pg_engine: Engine, private_redis: PrivateRedis, local_slack: LocalSlack
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=pg_url,
        redis_url=private_redis.url,
        slack_bot_token=local_slack.token,
        slack_channel="C0CARE",
        slack_api_url=f"{local_slack.url}/api/",
        slack_posts_per_second=500,
        slack_post_burst=100,
    )
    s = build_services(settings)
    try:
        s.queue.add_many([complaint(n) for n in range(20)])

        def stored() -> bool:
            consume_once(s.queue, "w1", s.uow_factory, s.clock, s.dedupe, s.triage, block_ms=100)
            return stored_and_carded(pg_url)[0] == 20

        wait_until(stored, 20, "the complaints stored")
        private_redis.stop()  # Redis drops once the batch is leased: its first post cannot take a slot in the pace
        with pytest.raises(redis.ConnectionError):
            s.outbox_runner.run_due()
        assert leases_held(pg_engine) == 0  # given back at once: no channel is held for the lease's 30 s
        private_redis.start()
        back = time.monotonic()

        def carded() -> bool:
            s.outbox_runner.run_due()
            return stored_and_carded(pg_url) == (20, 20)

        wait_until(carded, BACK_WITHIN, "every card once Redis is back")
        assert time.monotonic() - back < BACK_WITHIN
        with pg_engine.connect() as connection:  # nothing was counted against the messages' chances
            failures = connection.execute(select(func.sum(outbox.c.failures))).scalar()
        assert not failures
    finally:
        s.engine.dispose()


def stored_and_carded(url: str) -> tuple[int, int]:
    """Complaints stored, and those with a card."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(complaints)).scalar() or 0
            return total, connection.execute(carded_count()).scalar() or 0
    finally:
        engine.dispose()


def test_a_feed_that_never_returned_a_post_reads_every_page_that_arrived_during_a_postgres_outage(
    private_postgres: PrivatePostgres, redis_client: redis.Redis, local_x: LocalX, caplog: pytest.LogCaptureFixture
) -> None:
    url = private_postgres.url
    upgrade(url)
    settings = Settings(
        _env_file=None,
        database_url=url,
        redis_url=REDIS_TEST_URL,
        x_bearer_token=local_x.bearer_token,
        x_api_url=local_x.url,
        x_brand_handles=[local_x.brand],
        x_poll_seconds=0.5,
    )
    core = build_core(settings)
    stop = threading.Event()
    ingest = threading.Thread(target=run_ingest, args=(core, stop), name="ingest")
    ingest.start()
    try:
        wait_until(lambda: mention_reads(local_x) >= 2, 10, "the quiet handle's first polls")  # they find nothing
        with caplog.at_level(logging.WARNING):
            private_postgres.stop()
            for n in range(150):  # a page and a half arrives while PostgreSQL is down
                local_x.add_tweet(f"traveller{n}", f"@SqueakyAir stuck at the gate, flight SQ{n}")
            time.sleep(8)
            private_postgres.start()

        def stored() -> bool:
            consume_once(core.queue, "w1", core.uow_factory, core.clock, core.dedupe, core.triage, block_ms=100)
            return stored_and_carded(url)[0] >= 150

        wait_until(stored, 30, "every post that arrived during the outage")
        assert stored_and_carded(url)[0] == 150
    finally:
        stop.set()
        ingest.join(timeout=20)
        core.engine.dispose()
    retries = [r for r in caplog.records if r.name == "bot.ingest"]
    assert retries and all(
        "polling X: the database is unreachable (OperationalError); retrying" in r.getMessage() for r in retries
    )
    assert not any(r.exc_info for r in retries)  # one line a retry, never a traceback


def mention_reads(x: LocalX) -> int:
    """How many times the mentions timeline was read."""
    return sum(1 for r in list(x.requests) if r.path.endswith("/mentions"))


def test_a_quiet_mastodon_account_reads_every_page_that_arrived_while_mastodon_was_down(
    local_mastodon: LocalMastodon,
) -> None:
    feed = mentions_feed(MastodonAccount(make_client(local_mastodon.url, local_mastodon.token), "local"), SystemClock())
    queue, db = MemoryStreamQueue(), FakeDatabase()
    assert poll_network_feed(feed, queue, db) == 0  # nobody has mentioned the brand yet
    local_mastodon.fail_for(60, 503, {"error": "Service Unavailable"})
    for n in range(130):  # two pages of 80 arrive while the instance is down
        local_mastodon.add_status("bob@social.example", f"@squeakyair storm {n}")
    with pytest.raises(Unavailable):
        poll_network_feed(feed, queue, db)
    local_mastodon.clear_outages()
    assert poll_network_feed(feed, queue, db) == 130  # every page, not only the newest
    assert poll_network_feed(feed, queue, db) == 0
