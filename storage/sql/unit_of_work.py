"""The SQL unit of work: one connection, one transaction, the repositories that share it."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from sqlalchemy import Connection, Engine

from handlers.ports.clock import Clock
from storage.sql.arrivals import SqlArrivals
from storage.sql.complaint_repository import SqlComplaintRepository
from storage.sql.message_repository import SqlMessageRepository
from storage.sql.outbox import SqlOutbox
from storage.sql.people import SqlPeople
from storage.sql.repositories import (
    SqlAuditLog,
    SqlCheckpoints,
    SqlCustomerRepository,
)
from storage.sql.surges import SqlSurges
from storage.sql.surveys import SqlSurveys
from storage.sql.team_settings import SqlTeamSettings
from storage.sql.team_stats import SqlTeamStats
from storage.sql.workers import SqlWorkers


class SqlUnitOfWork:
    """A transaction; leave the `with` block without `commit()` and everything is rolled back."""

    def __init__(self, engine: Engine, clock: Clock, surfaces: Sequence[str]) -> None:
        self._engine = engine
        self._clock = clock
        self.surfaces = tuple(surfaces)
        self._connection: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self._engine.connect()
        connection.begin()
        self._connection = connection
        self.complaints = SqlComplaintRepository(connection, self._clock)
        self.people = SqlPeople(connection, self._clock)
        self.messages = SqlMessageRepository(connection)
        self.customers = SqlCustomerRepository(connection, self._clock)
        self.audit = SqlAuditLog(connection)
        self.outbox = SqlOutbox(connection, self._clock)
        self.checkpoints = SqlCheckpoints(connection, self._clock)
        self.team = SqlTeamSettings(connection, self._clock)
        self.stats = SqlTeamStats(connection)
        self.workers = SqlWorkers(connection)
        self.surges = SqlSurges(connection)
        self.arrivals = SqlArrivals(connection, self._clock)
        self.surveys = SqlSurveys(connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._connection is not None
        try:
            if self._connection.in_transaction():
                self._connection.rollback()
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        """Commit the transaction."""
        assert self._connection is not None
        self._connection.commit()


class SqlUnitOfWorkFactory:
    """Callable that opens units of work on one engine; chat messages in the outbox go to each of `surfaces`."""

    def __init__(self, engine: Engine, clock: Clock, surfaces: Sequence[str]) -> None:
        self.engine = engine
        self._clock = clock
        self.surfaces = tuple(surfaces)

    def __call__(self) -> SqlUnitOfWork:
        """Open a new unit of work."""
        return SqlUnitOfWork(self.engine, self._clock, self.surfaces)
