"""Periodic jobs once per period across every worker: each job's next due time is kept in the database, and the
worker that moves it forward by compare-and-set runs that period's pass; the others skip it. (The coordination lock
around a pass still keeps two passes of one job from overlapping when a pass outlasts its period.)"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.ports.clock import Clock
from handlers.ports.unit_of_work import UnitOfWorkFactory


def claim_period(
    uow_factory: UnitOfWorkFactory, clock: Clock, job: str, every: timedelta, *, retaking: datetime | None = None
) -> tuple[bool, datetime]:
    """Take this period's pass of `job` for the caller: (whether it is theirs to run, when the next one is due).

    `retaking` is the end of a period the caller took but whose pass an outage cut short: while
    nobody has taken a period since, the caller takes it again and runs the pass now."""
    now = clock.now()
    name = f"job:{job}"
    with uow_factory() as uow:
        stored = uow.checkpoints.get(name)
        due = datetime.fromisoformat(stored) if stored else None
        cut_short = retaking is not None and stored == retaking.isoformat()
        if due is not None and due > now and not cut_short:
            return False, due  # not yet: this period was taken already
        following = now + every
        taken = uow.checkpoints.compare_and_set(name, stored, following.isoformat())
        uow.commit()
    return taken, following
