"""Ingest throughput: twcs rows repeated to 100,000 posts through normalize + stream + dedupe + threading + triage +
persist (PostgreSQL, Redis stream), the normalizing of the CSV rows inside the measured span. Beside it, in the same
run and on a fresh database, the floor: the very rows the pipeline wrote (complaints, messages, outbox), written the
same way (COPY for complaints and messages, one INSERT … ON CONFLICT DO NOTHING of the outbox rows as column arrays)
in transactions of the same size (500 posts), with no stream, dedupe, threading or triage."""

from __future__ import annotations

import json
import resource
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, create_engine, insert, select, text

from bench import corpus
from bot.bootstrap import build_core
from bot.config import Settings
from bot.heap import settle_heap
from bot.sources.twcs import read_twcs
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import MAX_POSTS_PER_TRANSACTION
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_entry
from storage.sql.engine import make_engine, normalize_url
from storage.sql.migrate import upgrade
from storage.sql.set_queries import bulk_insert
from storage.sql.statistics import PlannerStatistics
from storage.sql.tables import complaints, messages, outbox


@dataclass
class IngestResult:
    """What the run measured."""

    posts: int
    pipeline_seconds: float
    bare_seconds: float
    peak_rss_mb: float
    cases: int
    followups: int
    rows_written: int = 0  # complaints, messages and outbox rows, all together

    @property
    def pipeline_rate(self) -> float:
        """Posts per second through the whole pipeline."""
        return self.posts / self.pipeline_seconds

    @property
    def bare_rate(self) -> float:
        """Posts per second when only their rows are written."""
        return self.posts / self.bare_seconds


def posts(total: int, path: Path | None = None) -> list[IncomingComplaint]:
    """The corpus's posts, repeated with fresh ids and customers until there are `total` of them."""
    return [p for chunk in post_chunks(total, path) for p in chunk]


def post_chunks(total: int, path: Path | None = None, size: int = 1000) -> Iterator[list[IncomingComplaint]]:
    """The same posts as `posts`, `size` at a time (a run of a million holds no more than a chunk of them)."""
    base = [p for p in read_twcs(path or corpus.path()) if isinstance(p, IncomingComplaint)]
    chunk: list[IncomingComplaint] = []
    for n in range(total):
        round_, p = divmod(n, len(base))[0], base[n % len(base)]
        tag = f"r{round_}-"
        author = p.author_handle if p.from_brand else tag + p.author_handle
        chunk.append(
            replace(
                p,
                external_id=tag + p.external_id,
                author_id=author,
                author_handle=author,
                in_reply_to_id=tag + p.in_reply_to_id if p.in_reply_to_id else None,
            )
        )
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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


def run_pipeline(total: int, database_url: str, redis_url: str) -> tuple[float, int, int]:
    """Read and normalize the rows, stream every post and let one worker drain the stream; return seconds (all of
    it), cases opened and follow-ups."""
    redis.Redis.from_url(redis_url).flushdb()
    upgrade(database_url)
    # Slack is on, as in production: each case's card and each follow-up's thread line go into the outbox
    settings = Settings(_env_file=None, database_url=database_url, redis_url=redis_url, slack_channel="C0CARE")
    core = build_core(settings)
    settle_heap()  # as the worker process does once it is built
    cases = followups = 0
    statistics = PlannerStatistics(core.engine)  # as the worker process keeps them
    started = time.perf_counter()
    for chunk in post_chunks(total):  # reading the CSV and normalizing each row is part of ingest
        core.queue.add(to_entry(chunk))
    while True:
        batch = consume_once(
            core.queue, "bench", core.uow_factory, core.clock, core.dedupe, core.triage, count=5, block_ms=50
        )
        if batch.entries == 0:
            break
        cases += batch.stored
        followups += batch.intake.threaded
        statistics.wrote(batch.intake.rows_written)
    elapsed = time.perf_counter() - started  # every post is stored: a refresh of the statistics may still run
    statistics.wait()
    core.engine.dispose()
    return elapsed, cases, followups


def written_rows(database_url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """What the pipeline wrote: its complaints, messages and outbox rows, in the order it wrote them."""
    engine = make_engine(database_url)
    with engine.connect() as c:
        tables = [
            [dict(row) for row in c.execute(select(table).order_by(table.c.id)).mappings()]
            for table in (complaints, messages, outbox)
        ]
    engine.dispose()
    return tables[0], tables[1], tables[2]


def run_same_writes(
    rows: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]], database_url: str
) -> float:
    """Write the pipeline's own rows again, the same way and in as many transactions: the floor to compare with."""
    upgrade(database_url)
    engine = make_engine(database_url)
    parts = _transactions(*rows)
    started = time.perf_counter()
    for cases, part, sends in parts:
        with engine.begin() as c:
            bulk_insert(c, complaints, cases)
            bulk_insert(c, messages, part)
            if sends:
                c.execute(_OUTBOX_ROWS, _outbox_columns(sends))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


Rows = list[dict[str, Any]]

# The outbox rows as the pipeline writes them: one INSERT of column arrays, a key stored already skipped.
_OUTBOX_ROWS = text(
    "INSERT INTO outbox (kind, key, lane, ordering, complaint_id, payload, status, attempts, available_at, "
    "created_at, rank) SELECT * FROM unnest(CAST(:kind AS varchar[]), CAST(:key AS varchar[]), "
    "CAST(:lane AS varchar[]), CAST(:ordering AS varchar[]), CAST(:complaint_id AS bigint[]), "
    "CAST(CAST(:payload AS text[]) AS json[]), CAST(:status AS varchar[]), CAST(:attempts AS integer[]), "
    "CAST(:available_at AS timestamptz[]), CAST(:created_at AS timestamptz[]), CAST(:rank AS float8[])) "
    "ON CONFLICT DO NOTHING"
)


def _outbox_columns(rows: Rows) -> dict[str, list[Any]]:
    """A transaction's outbox rows as one list per column (built inside the clock, as the pipeline builds its own)."""
    columns = ("kind", "key", "lane", "ordering", "complaint_id", "status", "attempts", "available_at", "created_at")
    out: dict[str, list[Any]] = {name: [row[name] for row in rows] for name in columns}
    out["payload"] = [json.dumps(row["payload"]) for row in rows]
    out["rank"] = [float(row["rank"]) for row in rows]
    return out


def _transactions(cases: Rows, posts_: Rows, sends: Rows) -> list[tuple[Rows, Rows, Rows]]:
    """The rows in the pipeline's transactions: 500 posts each, with the cases they open or follow and those cases'
    outbox rows (prepared before the clock starts)."""
    by_case: dict[int, Rows] = {}
    for row in sends:
        by_case.setdefault(int(row["complaint_id"] or 0), []).append(row)
    out, written, next_case = [], 0, 0
    for start in range(0, len(posts_), MAX_POSTS_PER_TRANSACTION):
        part = posts_[start : start + MAX_POSTS_PER_TRANSACTION]
        upto = max([written, *(int(m["complaint_id"]) for m in part if m["complaint_id"] is not None)])
        first = next_case
        while next_case < len(cases) and cases[next_case]["id"] <= upto:
            next_case += 1
        opened = cases[first:next_case]
        out.append((opened, part, [row for case in opened for row in by_case.get(int(case["id"]), [])]))
        written = upto
    return out


def run_bare_insert(items: list[IncomingComplaint], database_url: str) -> float:
    """INSERT the posts into the complaints table, 1,000 rows a transaction (the storm benchmark's yardstick)."""
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
            "posted_at": p.created_at,
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
    with scratch_database(admin_url) as url:
        pipeline_seconds, cases, followups = run_pipeline(total, url, redis_url)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = written_rows(url)
    with scratch_database(admin_url) as url:
        bare_seconds = run_same_writes(rows, url)
    written = sum(len(part) for part in rows)
    return IngestResult(total, pipeline_seconds, bare_seconds, peak, cases, followups, written)


def report(r: IngestResult) -> str:
    """The results, as Markdown."""
    ratio = r.bare_seconds / r.pipeline_seconds
    return "\n".join(
        [
            "| measure | result | target |",
            "|---|---|---|",
            f"| posts through the pipeline | {r.posts:,} ({r.cases:,} cases, {r.followups:,} follow-ups) | 100,000 |",
            f"| pipeline throughput, reading the CSV included | **{r.pipeline_rate:,.0f} posts/s** "
            f"({r.pipeline_seconds:.1f} s) | ≥ 2,000/s |",
            f"| the same {r.rows_written:,} rows written the same way (COPY, 500 posts a transaction) "
            f"| {r.bare_rate:,.0f} posts/s ({r.bare_seconds:.1f} s) | |",
            f"| pipeline ÷ same writes | **{ratio:.2f}** | ≥ 0.5 |",
            f"| peak memory (whole process) | {r.peak_rss_mb:,.0f} MB | |",
        ]
    )
