"""Retention on both backends: finished outbox messages go after their days, pending ones never; audit details are
emptied after theirs, oldest first and none passed over, while who did what and when stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import Actor, AuditEvent
from handlers.domain.outbox_kinds import Announcement
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage
from handlers.team.retention import RetentionRules, sweep
from storage.memory.stream import MemoryStreamQueue
from storage.sql.tables import audit_events, outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import SURFACE
from tests.integration.test_team_stats import T0

pytestmark = pytest.mark.integration
RULES = RetentionRules(outbox=timedelta(days=7), audit_details=timedelta(days=90))
LEAD = Actor(id="P1", name="li", surface=SURFACE)


def test_finished_messages_and_old_details_go_pending_ones_and_the_trail_stay(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    with uow() as u:
        send(u, [NewOutboxMessage(Announcement(text=f"notice {n}"), f"n{n}", None) for n in range(3)])
        for n in range(5):
            u.audit.record(AuditEvent(None, LEAD, "sla_set", None, None, T0 + timedelta(days=n), {"said": f"{n}"}))
        u.commit()
    with uow() as u:
        first, second, _pending = u.outbox.lease_due(clock.now(), 30, 3)
        u.outbox.mark_done(first.id, clock.now(), first.lease)
        u.outbox.give_up(second.id, clock.now() + timedelta(days=2), "refused", second.lease)
        u.commit()

    clock.advance(days=8)  # the delivered one is past its week, the given-up one not yet
    swept = sweep(uow, clock, MemoryStreamQueue(), RULES)
    assert (swept.outbox, swept.audit_details) == (1, 0)
    clock.advance(days=85)  # 93 days after the first events: three are past their 90 days
    swept = sweep(uow, clock, MemoryStreamQueue(), RULES)
    assert (swept.outbox, swept.audit_details) == (1, 3)
    assert sweep(uow, clock, MemoryStreamQueue(), RULES).audit_details == 0  # done once, not again

    with engine.connect() as c:
        assert list(c.execute(select(outbox.c.key, outbox.c.status))) == [(f"n2@{SURFACE}", "pending")]
        trail = list(c.execute(select(audit_events.c.action, audit_events.c.detail).order_by(audit_events.c.id)))
        assert c.execute(select(func.count()).select_from(audit_events)).scalar() == 5
    assert trail == [("sla_set", {})] * 3 + [("sla_set", {"said": "3"}), ("sla_set", {"said": "4"})]
