"""The `workers` table: each worker process's heartbeat, so that a killed one's leases are free within seconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from handlers.ports.workers import SILENT_AFTER
from storage.sql.set_queries import insert_or_ignore
from storage.sql.tables import workers


class SqlWorkers:
    """Heartbeats of the worker processes."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def beat(self, name: str, now: datetime) -> None:
        """`name` is alive."""
        moved = self._c.execute(update(workers).where(workers.c.name == name).values(seen_at=now))
        if not moved.rowcount:
            self._c.execute(insert_or_ignore(self._c, workers), [{"name": name, "started_at": now, "seen_at": now}])

    def leave(self, name: str) -> None:
        """`name` stopped cleanly."""
        self._c.execute(delete(workers).where(workers.c.name == name))

    def silent(self, now: datetime) -> list[str]:
        """The workers not heard from for SILENT_AFTER."""
        return list(self._c.execute(select(workers.c.name).where(workers.c.seen_at < now - SILENT_AFTER)).scalars())

    def forget_silent(self, before: datetime) -> int:
        """Forget workers not heard from since `before`."""
        return int(self._c.execute(delete(workers).where(workers.c.seen_at < before)).rowcount or 0)


def silent_workers(now: datetime) -> Any:
    """The names of workers silent for SILENT_AFTER, as a subquery (a lease they hold is free)."""
    return select(workers.c.name).where(workers.c.seen_at < now - SILENT_AFTER).scalar_subquery()
