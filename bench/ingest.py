"""Ingest throughput: twcs rows repeated to 100,000 posts through normalize + stream + dedupe + threading + triage +
persist (PostgreSQL, Redis stream), against a bare batched INSERT of the same rows in the same run."""

from __future__ import annotations

import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import redis
from sqlalchemy import Engine, create_engine, insert, text

from bot.bootstrap import build_core
from bot.config import Settings
from bot.sources.twcs import read_twcs
from handlers.cases.model import IncomingComplaint
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_entry
from storage.sql.engine import make_engine, normalize_url
from storage.sql.migrate import upgrade
from storage.sql.statistics import PlannerStatistics
from storage.sql.tables import complaints

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "twcs_dev.csv"


@dataclass
class IngestResult:
    """What the run measured."""

    posts: int
    pipeline_seconds: float
    bare_seconds: float
    peak_rss_mb: float
    cases: int
    followups: int

    @property
    def pipeline_rate(self) -> float:
        """Posts per second through the whole pipeline."""
        return self.posts / self.pipeline_seconds

    @property
    def bare_rate(self) -> float:
        """Rows per second of the bare batched INSERT."""
        return self.posts / self.bare_seconds


def posts(total: int, path: Path = DATA) -> list[IncomingComplaint]:
    """The file's posts, repeated with fresh ids and customers until there are `total` of them."""
    base = [p for p in read_twcs(path) if isinstance(p, IncomingComplaint)]
    out: list[IncomingComplaint] = []
    round_ = 0
    while len(out) < total:
        for p in base:
            if len(out) == total:
                break
            tag = f"r{round_}-"
            author = p.author_handle if p.from_brand else tag + p.author_handle
            out.append(
                replace(
                    p,
                    external_id=tag + p.external_id,
                    author_id=author,
                    author_handle=author,
                    in_reply_to_id=tag + p.in_reply_to_id if p.in_reply_to_id else None,
                )
            )
        round_ += 1
    return out


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the run, dropped afterwards."""
    name = f"squeaky_bench_{uuid.uuid4().hex[:8]}"
    admin: Engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_pipeline(items: list[IncomingComplaint], database_url: str, redis_url: str) -> tuple[float, int, int]:
    """Stream every post and let one worker drain the stream; return seconds, cases opened and follow-ups."""
    redis.Redis.from_url(redis_url).flushdb()
    upgrade(database_url)
    core = build_core(Settings(_env_file=None, database_url=database_url, redis_url=redis_url))
    cases = followups = 0
    statistics = PlannerStatistics(core.engine)  # as the worker process keeps them
    started = time.perf_counter()
    for start in range(0, len(items), 1000):
        core.queue.add(to_entry(items[start : start + 1000]))
    while True:
        batch = consume_once(
            core.queue, "bench", core.uow_factory, core.clock, core.dedupe, core.triage, count=5, block_ms=50
        )
        if batch.entries == 0:
            break
        cases += batch.stored
        followups += batch.intake.threaded
        statistics.wrote(batch.intake.rows_written)
    elapsed = time.perf_counter() - started
    core.engine.dispose()
    return elapsed, cases, followups


def run_bare_insert(items: list[IncomingComplaint], database_url: str) -> float:
    """INSERT the same posts into the complaints table, 1,000 rows a transaction: the floor to compare with."""
    upgrade(database_url)
    engine = make_engine(database_url)
    rows = [
        {
            "source": p.source,
            "external_id": p.external_id,
            "author_id": p.author_id,
            "author_handle": p.author_handle,
            "author_key": p.author_handle.lower(),
            "author_name": p.author_name,
            "text": p.text,
            "created_at": p.created_at,
            "received_at": p.created_at,
            "status": "new",
            "version": 1,
            "tier": "standard",
        }
        for p in items
    ]
    started = time.perf_counter()
    for start in range(0, len(rows), 1000):
        with engine.begin() as connection:
            connection.execute(insert(complaints), rows[start : start + 1000])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def measure(total: int, admin_url: str, redis_url: str) -> IngestResult:
    """Both runs, each on a fresh database; peak memory is read right after the pipeline."""
    items = posts(total)
    with scratch_database(admin_url) as url:
        pipeline_seconds, cases, followups = run_pipeline(items, url, redis_url)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with scratch_database(admin_url) as url:
        bare_seconds = run_bare_insert(items, url)
    return IngestResult(len(items), pipeline_seconds, bare_seconds, peak, cases, followups)


def report(r: IngestResult) -> str:
    """The results, as Markdown."""
    ratio = r.pipeline_rate / r.bare_rate
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| posts through the pipeline | {r.posts:,} ({r.cases:,} cases, {r.followups:,} follow-ups) | 100,000 |",
            f"| pipeline throughput | **{r.pipeline_rate:,.0f} posts/s** ({r.pipeline_seconds:.1f} s) | ≥ 2,000/s |",
            f"| bare batched INSERT, same rows | {r.bare_rate:,.0f} rows/s ({r.bare_seconds:.1f} s) | |",
            f"| pipeline ÷ bare INSERT | **{ratio:.2f}** | ≥ 0.5 |",
            f"| peak memory (whole process) | {r.peak_rss_mb:,.0f} MB | |",
        ]
    )
