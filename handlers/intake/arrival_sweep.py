"""The sweep of arrivals: posts a feed read are kept in the database until stored; what the stream never delivered
(a Redis that lost its stream or its last writes) is stored from there.

The stream is the fast path: a worker stores a post within moments of its poll. A post
kept longer than the sweep's grace is run through intake again: one already stored is a
known duplicate (a no-op), one the stream lost is stored now. Then it is forgotten.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.intake.receive import IntakeResult, receive_bounded
from handlers.intake.triage import Triage
from handlers.ports.clock import Clock
from handlers.ports.coordination import Dedupe
from handlers.ports.unit_of_work import UnitOfWorkFactory

SWEEP_GRACE = timedelta(seconds=20)  # the stream's normal path stores a post well within this
SWEEP_BATCH = 500  # posts taken at once: a sweep after a long outage goes in bounded transactions


def sweep_arrivals(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    dedupe: Dedupe,
    triage: Triage,
    *,
    grace: timedelta = SWEEP_GRACE,
    batch: int = SWEEP_BATCH,
) -> IntakeResult:
    """Store the posts kept longer than `grace` (intake keeps each post once), then forget them; what was stored."""
    with uow_factory() as uow:
        due = uow.arrivals.due(clock.now() - grace, batch)
        uow.commit()  # an unreadable arrival it met is dropped
    if not due:
        return IntakeResult()
    result = receive_bounded(uow_factory, clock, dedupe, triage, [item for _n, item in due])
    with uow_factory() as uow:
        uow.arrivals.forget([n for n, _item in due])
        uow.commit()
    return result
