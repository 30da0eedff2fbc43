"""Pull: an agent takes the next complaint, the highest-ranked one waiting (on one queue, or on any), claimed for them
at once. Agents pressing together get different complaints: each claim is a compare-and-set, and whoever loses one
goes on to the next candidate."""

from __future__ import annotations

from handlers.cases.claim import claim
from handlers.cases.errors import AlreadyClaimed, ConcurrentUpdate, IllegalTransition
from handlers.domain.complaint import Actor, Complaint
from handlers.ports.clock import Clock
from handlers.ports.unit_of_work import UnitOfWorkFactory

CANDIDATES = 50  # more than the agents who may press at once: each loses at most one claim to each of the others


def take_next(uow_factory: UnitOfWorkFactory, clock: Clock, who: Actor, queue: str | None = None) -> Complaint | None:
    """Claim the highest-ranked waiting complaint for `who`; None when nothing waits."""
    with uow_factory() as uow:
        candidates = uow.stats.waiting(CANDIDATES, queue=queue)
    for waiting in candidates:
        try:
            return claim(uow_factory, clock, waiting.complaint_id, who)
        except (AlreadyClaimed, ConcurrentUpdate, IllegalTransition):
            continue  # someone else took it, or it moved on: the next one
    return None
