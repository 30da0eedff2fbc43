"""At-least-once end to end, on the real PostgreSQL and Redis: every complaint stored once and carded once when
a worker is killed mid-batch, when Redis loses the stream, and when PostgreSQL refuses connections."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select, text

from bot.bootstrap import GROUP, STREAM, build_core, x_read_client
from bot.config import Settings
from bot.ingest import poll_once
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_payload
from sandbox.slack_api import LocalSlack
from sandbox.x_api import LocalX
from storage.redis.stream import RedisStreamQueue
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.tables import complaints
from tests.conftest import REDIS_TEST_URL
from tests.people import carded_count
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.alone]
ROOT = Path(__file__).resolve().parents[2]


def complaint(n: int) -> dict[str, str]:
    item = IncomingComplaint(
        "x", str(10_000 + n), f"c{n}", f"customer{n}", f"Customer {n}", f"@SqueakyAir problem {n}", datetime.now(UTC)
    )
    return to_payload(item)


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Workers:
    """`python -m bot worker` processes against the test's servers, their output kept for failures."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self._tmp = tmp_path
        self._env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        log = (self._tmp / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=self._env, stdout=log, stderr=log
        )
        self.processes.append(process)
        return process

    def output(self, tail: int = 3000) -> str:
        return "\n".join(p.read_text(errors="replace")[-tail:] for p in sorted(self._tmp.glob("worker-*.log")))

    def stacks(self) -> str:
        """What each running worker is doing (SIGUSR1: every thread's stack), after its output so far."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGUSR1)
        time.sleep(1)
        return self.output(tail=20000)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(tmp_path: Path, pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack) -> Iterator[Workers]:
    upgrade(pg_url)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_", "DATABASE_URL", "REDIS_URL"))},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": pg_url,
        "REDIS_URL": REDIS_TEST_URL,
        "SLACK_BOT_TOKEN": local_slack.token,
        "SLACK_CHANNEL": "C0CARE",
        "SLACK_API_URL": f"{local_slack.url}/api/",
        "SLACK_POSTS_PER_SECOND": "500",
        "SLACK_POST_BURST": "100",
        "STREAM_RECLAIM_SECONDS": "1",
    }
    running = Workers(tmp_path, env)
    yield running
    running.stop()


def cards_by_complaint(slack: LocalSlack) -> Counter[int]:
    posts = slack.calls_to("chat.postMessage")
    return Counter(p.params["metadata"]["event_payload"]["complaint_id"] for p in posts if p.params.get("metadata"))


def outbox_now(url: str) -> str:
    """The outbox by kind, status, lease and due time, with its last errors: where undelivered cards wait."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT kind, status, lease_owner, leased_until > now() AS leased, available_at > now() AS later,"
                    " count(*), max(attempts), min(last_error) FROM outbox GROUP BY 1, 2, 3, 4, 5 ORDER BY 6 DESC"
                )
            ).all()
        return "outbox: " + "; ".join(str(tuple(row)) for row in rows)
    finally:
        engine.dispose()


def stored(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(complaints)).scalar() or 0
            carded = connection.execute(carded_count()).scalar() or 0
        return total, carded
    finally:
        engine.dispose()


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(
    workers: Workers, pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack
) -> None:
    queue = RedisStreamQueue(redis_client, STREAM, GROUP)
    queue.add_many([complaint(n) for n in range(1000)])
    first = workers.start()
    try:
        wait_until(lambda: len(local_slack.calls_to("chat.postMessage")) >= 150, 60, "the first cards")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        workers.start()
        # a liveness wait, not a speed target: on two busy cores the second worker may take a while to finish
        wait_until(lambda: stored(pg_url) == (1000, 1000), 150, "every complaint stored and carded")
    except AssertionError as exc:
        seen = f"stored and carded {stored(pg_url)}; cards posted {len(local_slack.calls_to('chat.postMessage'))}"
        raise AssertionError(f"{exc} ({seen})\n{outbox_now(pg_url)}\n{workers.stacks()}") from None
    cards = cards_by_complaint(local_slack)
    assert len(cards) == 1000 and set(cards.values()) == {1}, cards.most_common(3)
    assert queue.pending() == 0


def test_postgres_refusing_connections_delays_but_loses_nothing(
    workers: Workers, pg_url: str, redis_client: redis.Redis, local_slack: LocalSlack
) -> None:
    proxy = TcpProxy("127.0.0.1", 5432)
    port = proxy.start()
    workers._env["DATABASE_URL"] = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")
    queue = RedisStreamQueue(redis_client, STREAM, GROUP)
    queue.add_many([complaint(n) for n in range(300)])
    workers.start()
    try:
        wait_until(lambda: stored(pg_url)[0] >= 100, 60, "the first complaints")
        proxy.refuse()
        queue.add_many([complaint(n) for n in range(300, 500)])  # complaints keep coming during the outage
        time.sleep(30)  # PostgreSQL refuses connections for 30 s
        assert stored(pg_url)[0] < 500  # nothing could be stored through the proxy meanwhile
        proxy.restore()
        wait_until(lambda: stored(pg_url) == (500, 500), 90, "every complaint stored and carded after the outage")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.output()}") from None
    finally:
        proxy.stop()
    cards = cards_by_complaint(local_slack)
    assert len(cards) == 500 and set(cards.values()) == {1}
    log = workers.output(tail=10**7)
    assert "the database is unreachable (OperationalError); retrying" in log  # the outage was felt...
    assert "Traceback" not in log  # ...and said in one line, not a stack trace per retry


def test_redis_losing_the_stream_is_made_good_from_x(pg_url: str, redis_client: redis.Redis, local_x: LocalX) -> None:
    upgrade(pg_url)
    settings = Settings(
        _env_file=None,
        database_url=pg_url,
        redis_url=REDIS_TEST_URL,
        x_bearer_token=local_x.bearer_token,
        x_api_url=local_x.url,
        x_brand_handles=[local_x.brand],
    )
    core = build_core(settings)
    client = x_read_client(settings)

    def work(count: int = 200) -> None:
        consume_once(
            core.queue, "w1", core.uow_factory, core.clock, core.dedupe, core.triage, count=count, block_ms=100
        )

    for n in range(50):
        local_x.add_tweet(f"early{n}", f"@SqueakyAir early {n}")
    poll_once(core, client)
    work()
    poll_once(core, client)  # nothing new; the position is now known to be safely stored
    for n in range(30):
        local_x.add_tweet(f"late{n}", f"@SqueakyAir late {n}")
    poll_once(core, client)
    work(count=10)  # ten of the thirty are stored...
    redis_client.flushdb()  # ...when Redis loses everything: stream, group, dedupe keys
    for n in range(5):
        local_x.add_tweet(f"after{n}", f"@SqueakyAir after {n}")
    assert poll_once(core, client) == 35  # read again from the safe point
    work()
    assert stored(pg_url)[0] == 85
    with core.engine.connect() as connection:
        texts = connection.execute(select(complaints.c.text)).scalars().all()
    assert len(texts) == len(set(texts)) == 85
    core.engine.dispose()
