"""Clicks queued for a worker, kept in the `queued_clicks` table until decided or answered "click again".

The queue that carries a click to a worker is Redis's: a Redis that restarts empty, or fails
over and loses its last writes, loses the clicks on it. Each is recorded here first; the
worker that decides one marks it taken, then forgets it; one neither decided nor being
decided a while after it was queued is answered once, by whoever deletes its row.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, or_, select, update

from handlers.ports.clock import Clock
from storage.sql.tables import queued_clicks


@dataclass(frozen=True)
class QueuedClick:
    """A click recorded and neither decided nor answered."""

    key: str
    click: str
    queued_at: datetime


class SqlQueuedClicks:
    """The recorded clicks, each statement a transaction of its own."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def record(self, key: str, click: str) -> None:
        """Record a click about to be queued."""
        with self._alone() as c:
            c.execute(queued_clicks.insert().values(key=key, click=click, queued_at=self._clock.now()))

    def take(self, key: str) -> bool:
        """Mark the click being decided now; False when it is gone (decided, or answered "click again")."""
        with self._alone() as c:
            found = c.execute(
                update(queued_clicks).where(queued_clicks.c.key == key).values(deciding_since=self._clock.now())
            )
        return found.rowcount == 1

    def forget(self, key: str) -> None:
        """The click is decided (or was never queued): drop its record."""
        with self._alone() as c:
            c.execute(delete(queued_clicks).where(queued_clicks.c.key == key))

    def overdue(self, before: datetime, limit: int = 200) -> list[QueuedClick]:
        """Clicks queued before `before` and not being decided since then: lost with the queue, or stuck."""
        query = (
            select(queued_clicks.c.key, queued_clicks.c.click, queued_clicks.c.queued_at)
            .where(self._idle(before))
            .order_by(queued_clicks.c.queued_at)
            .limit(limit)
        )
        with self._engine.connect() as c:
            return [QueuedClick(row.key, row.click, row.queued_at) for row in c.execute(query)]

    def give_up(self, key: str, before: datetime) -> bool:
        """Drop an overdue click's record unless a worker took it meanwhile; True if this call is the one to answer
        its clicker."""
        with self._alone() as c:
            gone = c.execute(delete(queued_clicks).where(queued_clicks.c.key == key, self._idle(before)))
        return gone.rowcount == 1

    def count(self) -> int:
        """How many clicks are recorded and not yet decided."""
        with self._engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(queued_clicks)).scalar_one())

    def _alone(self) -> AbstractContextManager[Connection]:
        """A connection for one statement, which is a transaction of its own: on PostgreSQL in autocommit, so it
        costs no BEGIN and COMMIT round trips (a click's record is written and taken on the way to its answer)."""
        if self._engine.dialect.name == "postgresql":
            return self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._engine.begin()

    @staticmethod
    def _idle(before: datetime) -> ColumnElement[bool]:
        taken = queued_clicks.c.deciding_since
        return and_(queued_clicks.c.queued_at < before, or_(taken.is_(None), taken < before))
