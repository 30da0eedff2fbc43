"""A seeded generator of a month of handled complaints from the twcs rows, loaded into PostgreSQL with COPY."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import psycopg
from psycopg.types.json import Json

from bench import corpus
from bot.sources.twcs import read_twcs
from bot.triage_file import load_triage
from handlers.domain.complaint import IncomingComplaint
from storage.sql.engine import normalize_url

AGENTS = [f"agent{i:02d}" for i in range(40)]
COLUMNS = (
    "source, external_id, author_id, author_handle, author_key, author_name, text, created_at, received_at, posted_at, "
    "status, version, tier, topic, priority, owner_person_id, owner_name, claimed_at, first_claimed_at, "
    "acknowledged_at, ticketed_at, resolved_at, updated_at"
)


def _minutes(rng: random.Random, median: float) -> timedelta:
    return timedelta(minutes=rng.lognormvariate(0, 1.0) * median)


def _milestones(rng: random.Random, received: datetime, tier: str, now: datetime) -> tuple[str, list[datetime | None]]:
    """A complaint's status as of `now`, and when it was claimed, acknowledged, ticketed and resolved."""
    claimed = received + _minutes(rng, 3 if tier == "vip" else 20)
    if rng.random() < 0.06:
        planned = {"claimed": claimed, "dismissed": claimed + timedelta(minutes=1)}
    else:
        acked = claimed + _minutes(rng, 4)
        planned = {"claimed": claimed, "acknowledged": acked}
        if rng.random() < 0.4:
            planned["ticketed"] = acked + _minutes(rng, 30)
        planned["closed"] = max(planned.values()) + _minutes(rng, 120)
    happened = {name: at for name, at in planned.items() if at <= now}
    status = max(happened, key=lambda name: happened[name], default="new")
    resolved = happened.get("closed") or happened.get("dismissed")
    return status, [happened.get("claimed"), happened.get("acknowledged"), happened.get("ticketed"), resolved]


def rows(
    total: int, now: datetime, people: dict[str, int], days: int = 30, seed: int = 7
) -> Iterator[tuple[object, ...]]:
    """`total` complaints received over the `days` before `now`, in every state, reproducibly."""
    rng = random.Random(seed)
    triage = load_triage("config/triage.toml")
    base = [p for p in read_twcs(corpus.path()) if isinstance(p, IncomingComplaint) and not p.from_brand]
    topics = [triage.topics.classify(p.text).name for p in base]
    span = days * 86400
    arrivals = sorted(rng.random() * span for _ in range(total))  # stored in arrival order, as live data is
    for i in range(total):
        k = i % len(base)
        post = base[k]
        received = now - timedelta(seconds=span - arrivals[i])
        tier = "vip" if rng.random() < 0.05 else "standard"
        status, (claimed, acked, ticketed, resolved) = _milestones(rng, received, tier, now)
        owner = rng.choice(AGENTS) if claimed else None
        handle = f"{post.author_handle}_{i // len(base)}"
        updated = max(t for t in (received, claimed, acked, ticketed, resolved) if t)
        yield (
            "x", f"bench-{i}", handle, handle, handle.lower(), post.author_name, post.text, received, received,
            received, status, 2, tier, topics[k], 2 if tier == "vip" else 0, people[owner] if owner else None, owner,
            claimed, claimed, acked, ticketed, resolved, updated,
        )  # fmt: skip


def load(database_url: str, total: int, now: datetime) -> None:
    """COPY the generated complaints in, then VACUUM ANALYZE as autovacuum would on a live database."""
    url = normalize_url(database_url).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        people = {}
        for n, agent in enumerate(AGENTS):
            made = connection.execute(
                "INSERT INTO people (display_name, identities, created_at, updated_at) VALUES (%s, %s, %s, %s) "
                "RETURNING id",
                (agent, Json({"slack": f"U{n:04d}"}), now, now),
            ).fetchone()
            assert made is not None
            people[agent] = int(made[0])
        with connection.cursor().copy(f"COPY complaints ({COLUMNS}) FROM STDIN") as copy:
            for row in rows(total, now, people):
                copy.write_row(row)
        connection.execute("VACUUM ANALYZE complaints")
