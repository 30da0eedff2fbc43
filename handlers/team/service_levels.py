"""Service levels in action: page on-call when a complaint of a tier that pages on arrival comes in, and tell of the
complaints unclaimed past their tier's deadline per queue and ladder step (handlers.team.late_alerts): one page when
a queue first has any, one call on the leads later, never one per complaint. Every step is audited per complaint.

Nothing is kept in memory: each pass reads the stored arrival times, tiers and escalation
stages, so a restart loses no timer and repeats no ping (the stage moves by compare-and-set).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.cases.on_call import wait_of, who_is_on_call
from handlers.dispatch.fan_out import send
from handlers.domain.complaint import SYSTEM, AuditEvent, Complaint
from handlers.domain.outbox_kinds import Page, complaint_alert
from handlers.domain.people import Identity
from handlers.domain.queue import QueuePolicy
from handlers.domain.queue_rules import QueueRules, rules_for, rules_of
from handlers.domain.sla import Stage, due_stage
from handlers.ports.clock import Clock
from handlers.ports.complaints import WaitScope
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from handlers.team.late_alerts import raise_late_alerts

BATCH = 200


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _steps(before: int, due: Stage) -> list[Stage]:
    """The pings owed when a complaint moves from stage `before` to `due` (a late arrival ping is pointless)."""
    return [Stage(s) for s in range(before + 1, due + 1) if not (s == Stage.ARRIVAL and due > Stage.ARRIVAL)]


def _arrival_page(complaint: Complaint, on_call_user: str | None) -> NewOutboxMessage:
    """The page for a complaint of a tier that pages on arrival: its own alert, acknowledged when it is claimed."""
    who = f"complaint #{complaint.id} from @{complaint.author_handle} ({complaint.tier})"
    new = "Back in the queue:" if complaint.requeued_at else "New"
    summary = f"{new} {who}: “{complaint.text[:140]}”"
    page = Page(action="trigger", alert=complaint_alert(complaint.id), summary=summary, user=on_call_user)
    key = Page.key(complaint_alert(complaint.id), f"trigger{int(Stage.ARRIVAL)}", wait_of(complaint))
    return NewOutboxMessage(page, key, complaint.id)


def check_service_levels(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    leads_after: timedelta,
    fallback_on_call: Identity | None = None,
    queues: QueuePolicy | None = None,
) -> list[tuple[int, Stage]]:
    """Escalate every unclaimed complaint that has earned it, then tell each queue's late ones in one alert; return
    (complaint id, stage reached) for each complaint escalated."""
    now = clock.now()
    queues = queues or QueuePolicy()
    on_call_users = {q.name: who_is_on_call(uow_factory, clock, fallback_on_call, q.name) for q in queues.all()}
    with uow_factory() as uow:
        rules = rules_of(queues, uow.team.sla_policies(), uow.team.queue_overrides())
        candidates = _candidates(uow, queues, rules, now)
    reached = []
    for complaint in candidates:
        queue = rules_for(rules, queues, complaint.queue)
        due = due_stage(complaint.waiting_since, queue.policy(complaint.tier), leads_after, now, queue.hours)
        on_call_user = on_call_users[queue.queue.name]
        if due <= complaint.sla_stage:
            continue
        with uow_factory() as uow:
            steps = _steps(complaint.sla_stage, due)
            alone = Stage.ARRIVAL in steps
            if not uow.complaints.advance_sla_stage(complaint.id, complaint.sla_stage, due, paged_alone=alone):
                continue  # another worker escalated it, or it was claimed meanwhile
            for stage in steps:
                if stage is Stage.ARRIVAL:
                    send(uow, [_arrival_page(complaint, on_call_user)])
                detail = {
                    "to": "leads" if stage is Stage.LEADS else on_call_user,
                    "waited_s": (now - complaint.waiting_since).total_seconds(),
                    "queue": complaint.queue,
                }
                uow.audit.record(
                    AuditEvent(
                        complaint.id,
                        SYSTEM,
                        f"ping:{stage.name.lower()}",
                        complaint.status,
                        complaint.status,
                        now,
                        detail,
                    )
                )
            uow.commit()
        reached.append((complaint.id, due))
    with uow_factory() as uow:
        raise_late_alerts(uow, queues, on_call_users, now)
        uow.commit()
    return reached


def _candidates(uow: UnitOfWork, queues: QueuePolicy, rules: dict[str, QueueRules], now: datetime) -> list[Complaint]:
    """The unclaimed complaints that may be owed a step, read per queue and tier: those whose wall-clock wait has
    reached the next deadline (business hours only make a wait count for less, so none that is due is missed, and
    the oldest of one tier never hide another tier's). A complaint on a queue no longer in the policy counts as the
    default queue's."""
    found: dict[int, Complaint] = {}
    others = [q.name for q in queues.queues]
    for name, queue_rules in rules.items():
        on: dict[str, Any] = {"queue": name} if name != queues.default.name else {"not_queues": others}
        levels = dict(queue_rules.levels)
        reads = [(WaitScope(tiers=[tier], **on), policy) for tier, policy in levels.items()]
        reads.append((WaitScope(not_tiers=list(levels), **on), queue_rules.policy("standard")))  # tiers with no level
        for where, policy in reads:
            if policy.page_on_arrival:
                found |= {c.id: c for c in uow.complaints.unclaimed_past(now, Stage.ARRIVAL, BATCH, where)}
            late = uow.complaints.unclaimed_past(now - policy.claim_within, Stage.LEADS, BATCH, where)
            found |= {c.id: c for c in late}
    return sorted(found.values(), key=lambda c: c.waiting_since)
