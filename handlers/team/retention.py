"""Retention: what is delivered, acknowledged or old enough goes, a bounded amount per transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from handlers.ports.clock import Clock
from handlers.ports.coordination import StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory

AUDIT_CHECKPOINT = "retention.audit"  # the last audit event whose details were emptied
PER_TRANSACTION = 2_000
PER_PASS = 50_000  # a pass stops here; the next one goes on (no pass holds the job long)


@dataclass(frozen=True)
class RetentionRules:
    """How long finished outbox messages and the audit trail's details are kept."""

    outbox: timedelta
    audit_details: timedelta


@dataclass
class Swept:
    """What one pass removed."""

    outbox: int = 0
    audit_details: int = 0
    stream: int = 0
    workers: int = 0


def sweep(uow_factory: UnitOfWorkFactory, clock: Clock, stream: StreamQueue, rules: RetentionRules) -> Swept:
    """Delete finished outbox messages past their retention, empty audit details past theirs, trim the stream of
    what every consumer acknowledged, and forget workers silent for a day."""
    now, swept = clock.now(), Swept()
    while swept.outbox < PER_PASS:
        with uow_factory() as uow:
            gone = uow.outbox.forget_done(now - rules.outbox, PER_TRANSACTION)
            uow.commit()
        swept.outbox += gone
        if gone < PER_TRANSACTION:
            break
    while swept.audit_details < PER_PASS:
        with uow_factory() as uow:
            after = int(uow.checkpoints.get(AUDIT_CHECKPOINT) or 0)
            emptied = uow.audit.blank_details(now - rules.audit_details, after, PER_TRANSACTION)
            if not emptied:
                break
            uow.checkpoints.set(AUDIT_CHECKPOINT, str(emptied[-1]))
            uow.commit()
        swept.audit_details += len(emptied)
        if len(emptied) < PER_TRANSACTION:
            break
    swept.stream = stream.trim_done()
    with uow_factory() as uow:
        swept.workers = uow.workers.forget_silent(now - timedelta(days=1))  # long gone: no lease names them
        uow.commit()
    return swept
