"""Team stats: `/squeaky stats 30d` over 1,000,000 complaints in PostgreSQL, generated from the twcs rows with a
seeded generator. Time to answer is a signed slash command to Squeaky's web app (gunicorn, as `python -m bot web`
runs it) until Slack's 200 carrying the answer; in the same run, the bare SQL it is built on (the same statements,
run raw through psycopg) and, for scale, one straight aggregate over the month's rows without the rollup."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import redis
from sqlalchemy import text

from bench import stats_data
from bench.clicks import SECRET, app_env, serve_app
from bench.ingest import scratch_database
from handlers.domain.complaint import Actor, Role
from handlers.domain.sla import DEFAULT_POLICIES
from handlers.ports.clock import SystemClock
from handlers.team.command_answers import LeadDesk
from handlers.team.stats import parse_period
from sandbox.interactions import post_command, slash_command
from sandbox.slack_api import LocalSlack
from storage.sql.engine import make_engine, normalize_url
from storage.sql.migrate import upgrade
from storage.sql.stats_rollup import rollup_sql
from storage.sql.team_stats import SESSION, SqlTeamStats
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

COMPLAINTS = 1_000_000
RUNS = 30
LEAD = Actor("U0LEAD", "lead", "slack", frozenset({Role.AGENT, Role.LEAD}))


@dataclass
class StatsResult:
    """What the run measured."""

    complaints: int
    load_s: float
    first_rollup_s: float
    http_ms: list[float]
    in_process_ms: list[float]
    bare_ms: list[float]
    straight_s: float


def _ms(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bare_sql(url: str, runs: int) -> list[float]:
    """Run the statements `stats 30d` is built on, raw through one warm psycopg connection; milliseconds each run."""
    engine = make_engine(url)
    times = []
    with psycopg.connect(normalize_url(url).replace("postgresql+psycopg://", "postgresql://")) as pg:
        for setting in SESSION:  # as the report sets for its own transaction
            pg.execute(f"SET {setting}")
        for _ in range(runs):
            now = datetime.now(UTC)
            with engine.connect() as connection:  # only to render the statements, outside the timing
                stats = SqlTeamStats(connection)
                queries = stats.queries(parse_period("30d", now, "UTC"), DEFAULT_POLICIES, None, now)
                raw = []
                for statement, params in queries.values():
                    state = statement.compile(dialect=connection.dialect).construct_expanded_state(params)
                    raw.append((state.statement, dict(state.parameters)))
            started = time.perf_counter()
            for sql, values in raw:
                pg.execute(sql, values).fetchall()
            times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return times


def straight_aggregate(url: str, now: datetime) -> float:
    """The same figures over the month's rows without the rollup, once, for scale; seconds."""
    engine = make_engine(url)
    with engine.connect() as connection:
        sql = rollup_sql("postgresql", "received_at >= :a AND received_at < :b", ["all", "tier", "topic"], ["topic"])
        started = time.perf_counter()
        connection.execute(text(sql), {"a": now - timedelta(days=30), "b": now}).fetchall()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def measure(admin_url: str, redis_url: str, total: int = COMPLAINTS) -> StatsResult:
    """Generate, roll up once (as the worker does on its first pass), then time the answers."""
    redis.Redis.from_url(redis_url).flushdb()
    slack = LocalSlack()
    slack.start()
    try:
        with scratch_database(admin_url) as url:
            upgrade(url)
            now = datetime.now(UTC)
            started = time.perf_counter()
            stats_data.load(url, total, now)
            load_s = time.perf_counter() - started
            engine = make_engine(url)
            started = time.perf_counter()
            with engine.begin() as connection:
                SqlTeamStats(connection).roll_up(datetime.now(UTC))
            first_rollup_s = time.perf_counter() - started
            straight_s = straight_aggregate(url, datetime.now(UTC))
            bare = bare_sql(url, RUNS + 3)[3:]
            desk = LeadDesk(SqlUnitOfWorkFactory(engine, SystemClock(), surfaces=("slack",)), SystemClock())
            in_process = []
            for _ in range(RUNS + 3):
                started = time.perf_counter()
                answer = desk.run(LEAD, "stats 30d")
                in_process.append((time.perf_counter() - started) * 1000)
                assert answer.report is not None and answer.report.total.received > 0
            engine.dispose()
            env = app_env(url, redis_url, slack)
            http = []
            with serve_app("squeaky", env) as events:
                for n in range(RUNS + 3):
                    uploads = len(slack.files)
                    fields = slash_command("U0LEAD", "lead", "stats 30d", "C0CARE", slack.response_url())
                    started = time.perf_counter()
                    response = post_command(events, SECRET, fields)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200 or "Received" not in response.text:
                        raise RuntimeError(f"stats answered {response.status_code}: {response.text[:200]}")
                    http.append(elapsed)
                    slack.wait_for(lambda n=uploads: len(slack.files) > n, timeout=60)  # the chart, before the next
            return StatsResult(total, load_s, first_rollup_s, http[3:], in_process[3:], bare, straight_s)
    finally:
        slack.stop()


def report(r: StatsResult) -> str:
    """The results, as Markdown."""
    http50, bare50 = statistics.median(r.http_ms), statistics.median(r.bare_ms)
    http = f"**p50 {http50:.0f} ms**, p90 {_ms(r.http_ms, 0.9):.0f} ms"
    bare = f"p50 {bare50:.0f} ms, p90 {_ms(r.bare_ms, 0.9):.0f} ms"
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| complaints in PostgreSQL | {r.complaints:,} over 30 days (generated in {r.load_s:.0f} s) | 1,000,000 |",
            f"| `/squeaky stats 30d`, signed request to the answer | {http} | ≤ 300 ms |",
            f"| the same, in process (use case and rendering) | p50 {statistics.median(r.in_process_ms):.0f} ms | |",
            f"| the bare SQL it is built on (raw psycopg) | {bare} | |",
            f"| answer ÷ bare SQL | **{http50 / bare50:.2f}** | ≤ 1.5 |",
            f"| the same figures straight from the month's rows (no rollup), once | {r.straight_s * 1000:,.0f} ms | |",
            f"| first rollup of the whole database (the worker's first pass) | {r.first_rollup_s:.0f} s | |",
        ]
    )
