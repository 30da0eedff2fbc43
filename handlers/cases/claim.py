"""Use cases: claim a complaint (one owner, never two) and release it back to the queue."""

from __future__ import annotations

from handlers.cases import transitions
from handlers.domain.complaint import Action, Actor, Complaint
from handlers.ports.clock import Clock
from handlers.ports.unit_of_work import UnitOfWorkFactory


def claim(uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor) -> Complaint:
    """Make `agent` the one owner of the complaint, or raise AlreadyClaimed naming who holds it."""
    return transitions.apply(uow_factory, clock, complaint_id, Action.CLAIM, agent)


def release(uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor) -> Complaint:
    """Give the complaint back to the queue; only its owner may."""
    return transitions.apply(uow_factory, clock, complaint_id, Action.RELEASE, agent)
