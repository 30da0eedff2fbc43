"""Click to ack: p50/p99 from a signed click to Slack's 200 at 50 concurrent clicks, against a bare Bolt app that
only acks, on the same server in the same run; and 200 concurrent claims of one card."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import requests
from sqlalchemy import func, select

from bench.ingest import scratch_database
from bot.bootstrap import build_services
from bot.config import Settings
from bot.slack import action_ids
from handlers.intake import receive
from handlers.model import IncomingComplaint
from sandbox.interactions import block_action, post_signed
from sandbox.slack_api import LocalSlack
from storage.sql.migrate import upgrade
from storage.sql.tables import audit_events

PROJECT = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret-0123456789"  # noqa: S105 - signs requests to a local server
SERVER = ["gunicorn", "2"]  # as `python -m bot web` runs with WEB_CONCURRENCY=2 on this 2-core machine
CONCURRENCY = 50
ROUNDS = 10
RACERS = 200


@dataclass
class ClickResult:
    """What the run measured."""

    squeaky_ms: list[float]
    bare_ms: list[float]
    race_owners: int
    race_statuses: dict[int, int]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def app_env(database_url: str, redis_url: str, slack: LocalSlack) -> dict[str, str]:
    """The settings a served app runs with in the benchmarks: the run's database, Redis and local Slack."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_CHANNEL": "C0CARE",
        "SLACK_API_URL": f"{slack.url}/api/",
    }


@contextmanager
def serve_app(which: str, env: dict[str, str]) -> Iterator[str]:
    """Run `bench.click_server` in its own process; yield its events URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed argv
        [sys.executable, "-m", "bench.click_server", which, str(port), *SERVER],
        env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{url}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield f"{url}/slack/events"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _clicks(url: str, complaint_ids: list[int]) -> list[float]:
    """Click Claim on each complaint, CONCURRENCY at a time; return each click's time to HTTP 200, in ms."""

    def one(complaint_id: int) -> float:
        payload = block_action(
            f"U{complaint_id:08d}", f"agent{complaint_id}", action_ids.CLAIM, str(complaint_id), "C0CARE", "1.000001"
        )
        started = time.perf_counter()
        status = post_signed(url, SECRET, payload).status_code
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise RuntimeError(f"click answered {status}")
        return elapsed

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, complaint_ids))


def measure(admin_url: str, redis_url: str) -> ClickResult:
    """Both apps on fresh data; then the race."""
    redis.Redis.from_url(redis_url).flushdb()  # a fresh dedupe set: these posts were seen by earlier runs
    slack = LocalSlack()
    slack.start()
    try:
        with scratch_database(admin_url) as url:
            upgrade(url)
            settings = Settings(
                _env_file=None, database_url=url, redis_url=redis_url, slack_bot_token=slack.token,
                slack_signing_secret=SECRET, slack_channel="C0CARE", slack_api_url=f"{slack.url}/api/",
                slack_posts_per_second=1000, slack_post_burst=1000,
            )  # fmt: skip
            services = build_services(settings)
            now = datetime.now(UTC)
            items = [
                IncomingComplaint("bench", str(n), str(n), f"c{n}", f"C {n}", "@SqueakyAir late", now)
                for n in range(CONCURRENCY * ROUNDS + 1)
            ]
            ids = receive(services.uow_factory, services.clock, services.dedupe, services.triage, items).opened
            while services.outbox_runner.run_due(limit=500):
                pass
            env = app_env(url, redis_url, slack)
            with serve_app("squeaky", env) as events:
                _clicks(events, ids[:CONCURRENCY])  # warm up connections and caches
                squeaky = _clicks(events, ids[CONCURRENCY:])
                race_id = ids[-1]
                racers = [
                    block_action(f"U{n:08d}", f"racer{n}", action_ids.CLAIM, str(race_id), "C0CARE", "1.000001")
                    for n in range(RACERS)
                ]
                start = threading.Barrier(RACERS)

                def race(payload: dict[str, Any]) -> int:
                    start.wait()
                    return post_signed(events, SECRET, payload).status_code

                with ThreadPoolExecutor(RACERS) as pool:
                    statuses = list(pool.map(race, racers))
                time.sleep(2)  # listeners finish after their ack
                with services.engine.connect() as connection:
                    owners = (
                        connection.execute(
                            select(func.count())
                            .select_from(audit_events)
                            .where(audit_events.c.action == "claim", audit_events.c.complaint_id == race_id)
                        ).scalar()
                        or 0
                    )
            services.engine.dispose()
        with serve_app("bare", env) as bare_events:
            _clicks(bare_events, list(range(CONCURRENCY)))
            bare = _clicks(bare_events, list(range(CONCURRENCY * ROUNDS)))
    finally:
        slack.stop()
    counts: dict[int, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ClickResult(squeaky, bare, owners, counts)


def report(r: ClickResult) -> str:
    """The results, as Markdown."""
    p50, p99 = _percentile(r.squeaky_ms, 0.5), _percentile(r.squeaky_ms, 0.99)
    b50, b99 = _percentile(r.bare_ms, 0.5), _percentile(r.bare_ms, 0.99)
    ok = r.race_statuses.get(200, 0)
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| signed click to 200, Squeaky ({len(r.squeaky_ms)} clicks, {CONCURRENCY} at once) "
            f"| p50 {p50:.1f} ms · **p99 {p99:.1f} ms** | p99 ≤ 50 ms |",
            f"| the same against a bare Bolt app that only acks | p50 {b50:.1f} ms · p99 {b99:.1f} ms | |",
            f"| Squeaky p99 ÷ bare p99 | **{p99 / b99:.2f}** | ≤ 1.5 |",
            f"| {RACERS} concurrent claims of one card "
            f"| {r.race_owners} owner · {ok} answered 200 · {RACERS - ok} errors | 1 owner, 0 errors |",
            f"| mean click, Squeaky / bare "
            f"| {statistics.mean(r.squeaky_ms):.1f} ms / {statistics.mean(r.bare_ms):.1f} ms | |",
        ]
    )
