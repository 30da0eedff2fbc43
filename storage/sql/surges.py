"""Runs of similar complaints in SQL: one row per queue and near-duplicate key, counted into by every worker with
one upsert per key (in key order, so two workers' batches never wait on each other in a cycle)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from handlers.cases.model import Status
from handlers.queues.storm_state import Surge
from storage.sql.complaint_repository import aware, sharing
from storage.sql.tables import complaints, surges

SAMPLE_LENGTH = 500  # an example's words, enough to name the cluster
CHUNK = 500  # keys per statement: 3,000 parameters, within what SQLite and PostgreSQL take


class SqlSurges:
    """Runs of similar complaints per queue and key."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, seen: Mapping[tuple[str, str], tuple[int, str, str]], now: datetime, quiet: timedelta) -> list[Surge]:
        """Count `seen` into their runs at `now` (a run quiet for longer than `quiet` starts again); the runs after.
        One statement per CHUNK keys, in key order."""
        insert = postgresql_insert if self._c.dialect.name == "postgresql" else sqlite_insert
        rows = [
            {
                "queue": q,
                "band": b,
                "first_at": now,
                "last_at": now,
                "count": n,
                "sample": said[:SAMPLE_LENGTH],
                "fingerprint": keys[:160],
            }
            for (q, b), (n, said, keys) in sorted(seen.items())
        ]
        ended = surges.c.last_at < now - quiet  # the stored run went quiet: this one starts afresh
        found = []
        for start in range(0, len(rows), CHUNK):
            values = insert(surges).values(rows[start : start + CHUNK])
            fresh = values.excluded
            statement = values.on_conflict_do_update(
                index_elements=[surges.c.queue, surges.c.band],
                set_={
                    "count": case((ended, fresh.count), else_=surges.c.count + fresh.count),
                    "first_at": case((ended, fresh.first_at), else_=surges.c.first_at),
                    "sample": case((ended, fresh.sample), else_=surges.c.sample),
                    "fingerprint": case((ended, fresh.fingerprint), else_=surges.c.fingerprint),
                    "last_at": fresh.last_at,
                },
            ).returning(
                surges.c.queue,
                surges.c.band,
                surges.c.first_at,
                surges.c.last_at,
                surges.c.count,
                surges.c.sample,
                surges.c.fingerprint,
            )
            found += [
                Surge(
                    r.queue,
                    r.band,
                    aware(r.first_at),
                    aware(r.last_at),
                    int(r._mapping["count"]),
                    r.sample,
                    r.fingerprint,
                )
                for r in self._c.execute(statement)
            ]
        return found

    def of(self, queue: str, band: str) -> Surge | None:
        """One run, if it is still kept."""
        row = self._c.execute(select(surges).where(surges.c.queue == queue, surges.c.band == band)).first()
        if row is None:
            return None
        count = int(row._mapping["count"])
        return Surge(queue, band, aware(row.first_at), aware(row.last_at), count, str(row.sample), str(row.fingerprint))

    def forget_before(self, cutoff: datetime) -> int:
        """Forget the runs last seen before `cutoff`."""
        return int(self._c.execute(delete(surges).where(surges.c.last_at < cutoff)).rowcount or 0)

    def received_since(self, queue: str, since: datetime) -> int:
        """How many complaints opened a case on `queue` since `since`."""
        query = select(func.count()).where(complaints.c.queue == queue, complaints.c.received_at >= since)
        return int(self._c.execute(query).scalar() or 0)

    def waiting_in(self, queue: str, keys: str) -> int:
        """How many complaints sharing one of `keys` (space-separated) wait for an owner on `queue`."""
        c = complaints.c
        query = select(func.count()).where(
            and_(c.queue == queue, c.status == Status.NEW.value, sharing(c.fingerprint, keys))
        )
        return int(self._c.execute(query).scalar() or 0)
