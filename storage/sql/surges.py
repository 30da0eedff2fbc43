"""Runs of similar complaints in SQL: one row per queue and near-duplicate key, counted into by every worker with
one upsert statement, its rows in key order (so two workers' batches never wait on each other in a cycle)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from handlers.domain.complaint import Status
from handlers.domain.storm import Surge
from storage.sql.complaint_rows import aware, sharing
from storage.sql.tables import complaints, queue_arrivals, surges

SAMPLE_LENGTH = 500  # the first complaint's title (handlers.intake.surges.title_of keeps it far shorter)

# PostgreSQL: every key of a batch in one statement, the rows as arrays (a row at a time is a round trip each).
_ARRAYS = {"queues": "queue", "bands": "band", "counts": "count", "samples": "sample", "keys": "keys"}
_PG_UPSERT = text(
    "INSERT INTO surges (queue, band, first_at, last_at, count, sample, fingerprint) "
    "SELECT q, b, :at, :at, n, s, f FROM unnest(CAST(:queues AS varchar[]), CAST(:bands AS varchar[]), "
    "CAST(:counts AS integer[]), CAST(:samples AS text[]), CAST(:keys AS varchar[])) AS t(q, b, n, s, f) "
    "ON CONFLICT (queue, band) DO UPDATE SET "  # every expression reads the stored row as it was
    "count = CASE WHEN surges.last_at < :cutoff THEN excluded.count ELSE surges.count + excluded.count END, "
    "first_at = CASE WHEN surges.last_at < :cutoff THEN excluded.first_at ELSE surges.first_at END, "
    "sample = CASE WHEN surges.last_at < :cutoff THEN excluded.sample ELSE surges.sample END, "
    "fingerprint = CASE WHEN surges.last_at < :cutoff THEN excluded.fingerprint ELSE surges.fingerprint END, "
    "last_at = excluded.last_at "
    "RETURNING queue, band, first_at, last_at, count, sample, fingerprint"
).bindparams(bindparam("at", type_=surges.c.last_at.type), bindparam("cutoff", type_=surges.c.last_at.type))

_PG_ARRIVED = text(
    "WITH forgotten AS (DELETE FROM queue_arrivals WHERE at < :cutoff) "
    "INSERT INTO queue_arrivals (queue, at, count) "
    "SELECT q, :at, n FROM unnest(CAST(:queues AS varchar[]), CAST(:counts AS integer[])) AS t(q, n)"
).bindparams(bindparam("at", type_=queue_arrivals.c.at.type), bindparam("cutoff", type_=queue_arrivals.c.at.type))


@cache
def _upsert(dialect: str) -> Any:
    """INSERT a run, or add to the stored one (starting it afresh if it went quiet before :cutoff); RETURNING it.
    One row a time: SQLite's (in-process, so cheap); PostgreSQL's batches take _PG_UPSERT."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = insert(surges).values(
        queue=bindparam("queue"),
        band=bindparam("band"),
        first_at=bindparam("at"),
        last_at=bindparam("at"),
        count=bindparam("count"),
        sample=bindparam("sample"),
        fingerprint=bindparam("keys"),
    )
    fresh = values.excluded
    ended = surges.c.last_at < bindparam("cutoff", type_=surges.c.last_at.type)
    return values.on_conflict_do_update(
        index_elements=[surges.c.queue, surges.c.band],
        set_={
            "count": case((ended, fresh.count), else_=surges.c.count + fresh.count),
            "first_at": case((ended, fresh.first_at), else_=surges.c.first_at),
            "sample": case((ended, fresh.sample), else_=surges.c.sample),
            "fingerprint": case((ended, fresh.fingerprint), else_=surges.c.fingerprint),
            "last_at": fresh.last_at,
        },
    ).returning(
        surges.c.queue, surges.c.band, surges.c.first_at, surges.c.last_at, surges.c.count, surges.c.sample,
        surges.c.fingerprint,
    )  # fmt: skip


def _surge(row: Any) -> Surge:
    return Surge(
        str(row["queue"]), str(row["band"]), aware(row["first_at"]), aware(row["last_at"]), int(row["count"]),
        str(row["sample"]), str(row["fingerprint"]),
    )  # fmt: skip


class SqlSurges:
    """Runs of similar complaints per queue and key."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, seen: Mapping[tuple[str, str], tuple[int, str, str]], now: datetime, quiet: timedelta) -> list[Surge]:
        """Count `seen` into their runs at `now` (a run quiet for longer than `quiet` starts again); the runs after.
        PostgreSQL: one statement, the rows as arrays; SQLite (in-process): a compiled statement per row."""
        rows = [
            {"queue": q, "band": b, "at": now, "count": n, "sample": said[:SAMPLE_LENGTH], "keys": keys[:160],
             "cutoff": now - quiet}
            for (q, b), (n, said, keys) in sorted(seen.items())
        ]  # fmt: skip
        if not rows:
            return []
        if self._c.dialect.name == "postgresql":
            arrays = {name: [row[key] for row in rows] for name, key in _ARRAYS.items()}
            found = self._c.execute(_PG_UPSERT, {**arrays, "at": now, "cutoff": now - quiet})
        else:
            found = self._c.execute(_upsert(self._c.dialect.name), rows)
        return [_surge(r._mapping) for r in found]

    def of(self, queue: str, band: str) -> Surge | None:
        """One run, if it is still kept."""
        row = self._c.execute(select(surges).where(surges.c.queue == queue, surges.c.band == band)).first()
        if row is None:
            return None
        return _surge(row._mapping)

    def forget_before(self, cutoff: datetime) -> int:
        """Forget the runs last seen before `cutoff`."""
        return int(self._c.execute(delete(surges).where(surges.c.last_at < cutoff)).rowcount or 0)

    def arrived(self, counts: Mapping[str, int], now: datetime, kept: timedelta) -> None:
        """Count complaints opened per queue at `now`; forget what arrived longer than `kept` ago."""
        rows = [{"queue": queue, "at": now, "count": n} for queue, n in sorted(counts.items()) if n]
        if self._c.dialect.name == "postgresql":  # one statement
            queues, added = [row["queue"] for row in rows], [row["count"] for row in rows]
            self._c.execute(_PG_ARRIVED, {"queues": queues, "counts": added, "at": now, "cutoff": now - kept})
            return
        self._c.execute(delete(queue_arrivals).where(queue_arrivals.c.at < now - kept))
        if rows:
            self._c.execute(insert(queue_arrivals), rows)

    def received_since(self, queue: str, since: datetime) -> int:
        """How many complaints opened a case on `queue` since `since` (as counted by `arrived`)."""
        query = select(func.coalesce(func.sum(queue_arrivals.c.count), 0)).where(
            queue_arrivals.c.queue == queue, queue_arrivals.c.at >= since
        )
        return int(self._c.execute(query).scalar() or 0)

    def waiting_in(self, queue: str, keys: str) -> int:
        """How many complaints sharing one of `keys` (space-separated) wait for an owner on `queue`."""
        c = complaints.c
        query = select(func.count()).where(
            and_(c.queue == queue, c.status == Status.NEW.value, sharing(c.fingerprint, keys))
        )
        return int(self._c.execute(query).scalar() or 0)
