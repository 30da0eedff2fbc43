"""The unit of work: one database transaction and the repositories that share it.

Coordination ports are in handlers.ports.coordination, the outside world's in handlers.ports.gateways and the
chat tools' in handlers.ports.surfaces. Adapters live in storage/ (SQL, Redis, in-process) and bot/; the core sees
only these Protocols."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self

from handlers.ports.arrivals import Arrivals
from handlers.ports.audit import AuditLog
from handlers.ports.checkpoints import Checkpoints
from handlers.ports.complaints import ComplaintRepository
from handlers.ports.customers import CustomerRepository
from handlers.ports.messages import MessageRepository
from handlers.ports.outbox import Outbox
from handlers.ports.people import PeopleRepository
from handlers.ports.surges import Surges
from handlers.ports.surveys import Surveys
from handlers.ports.team import TeamSettings, TeamStats
from handlers.ports.workers import WorkerRegistry


class UnitOfWork(Protocol):
    """One database transaction and the repositories that share it."""

    @property
    def surfaces(self) -> Sequence[str]:
        """The chat surfaces that are on: each chat message goes to every one of them (handlers.dispatch.fan_out)."""
        ...

    @property
    def complaints(self) -> ComplaintRepository:
        """Complaints (cases)."""
        ...

    @property
    def messages(self) -> MessageRepository:
        """Every post seen."""
        ...

    @property
    def customers(self) -> CustomerRepository:
        """Customers and their tiers."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit trail."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Side effects waiting to leave the building."""
        ...

    @property
    def people(self) -> PeopleRepository:
        """People and their identities on each surface."""
        ...

    @property
    def checkpoints(self) -> Checkpoints:
        """Feed positions."""
        ...

    @property
    def team(self) -> TeamSettings:
        """Service levels, the on-call roster, the spike detector's memory."""
        ...

    @property
    def stats(self) -> TeamStats:
        """Team statistics."""
        ...

    @property
    def workers(self) -> WorkerRegistry:
        """The worker processes' heartbeats."""
        ...

    @property
    def surges(self) -> Surges:
        """Runs of similar complaints per queue."""
        ...

    @property
    def arrivals(self) -> Arrivals:
        """Posts read from a network and not yet known stored."""
        ...

    @property
    def surveys(self) -> Surveys:
        """Satisfaction ratings and customers' stops."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Commit the transaction; leaving the block without commit rolls back."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
