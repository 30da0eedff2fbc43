"""A fake unit of work over a copy of the fake database's state (commit swaps it in)."""

from __future__ import annotations

import copy
from types import TracebackType

from handlers.ports.surges import Surges
from handlers.ports.team import TeamStats
from tests.fakes.arrivals import _Arrivals
from tests.fakes.complaints import _Complaints, _Customers, _Messages
from tests.fakes.outbox import _Outbox
from tests.fakes.records import _Audit, _Checkpoints, _NoStats, _People, _Team, _Workers
from tests.fakes.state import SURFACE, FakeState
from tests.fakes.surveys import FakeSurveys


class FakeUnitOfWork:
    """Works on a copy of the state; commit swaps it in, leaving without commit drops it (a rollback)."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self.surfaces = db.surfaces

    def __enter__(self) -> FakeUnitOfWork:
        self._state = copy.deepcopy(self._db.state)
        self.complaints = _Complaints(self._state)
        self.messages = _Messages(self._state)
        self.customers = _Customers(self._state)
        self.audit = _Audit(self._state)
        self.outbox = _Outbox(self._state)
        self.people = _People(self._state)
        self.checkpoints = _Checkpoints(self._state)
        self.team = _Team(self._state)
        self.stats: TeamStats = _NoStats()  # type: ignore[assignment]
        self.surges: Surges = _NoStats()  # type: ignore[assignment]  # runs of similar complaints are SQL too
        self.workers = _Workers(self._state)
        self.arrivals = _Arrivals(self._state)
        self.surveys = FakeSurveys(self._state)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        self._db.state = self._state
        self._db.commits += 1


class FakeDatabase:
    """A fake database; call it to open a unit of work (it is a UnitOfWorkFactory)."""

    def __init__(self, surfaces: tuple[str, ...] = (SURFACE,)) -> None:
        self.state = FakeState()
        self.commits = 0
        self.surfaces = surfaces

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)
