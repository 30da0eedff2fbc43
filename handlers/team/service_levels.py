"""Service levels in action: page on-call when a complaint of a tier that pages on arrival comes in, and tell of the
complaints unclaimed past their tier's deadline per queue and ladder step (handlers.team.late_alerts): one page when
a queue first has any, one call on the leads later, never one per complaint. Every step is audited per complaint.

Nothing is kept in memory: each pass reads the stored arrival times, tiers and escalation
stages, so a restart loses no timer and repeats no ping (the stage moves by compare-and-set).
"""

from __future__ import annotations

from datetime import timedelta

from handlers.cases.model import SYSTEM, Action, AuditEvent, Complaint
from handlers.outbox.kinds import PAGE, complaint_alert, page_key
from handlers.people.model import Identity
from handlers.ports.persistence import Clock, NewOutboxMessage, UnitOfWorkFactory
from handlers.queues.policy import QueuePolicy
from handlers.team.late_alerts import raise_late_alerts
from handlers.team.oncall import on_call
from handlers.team.sla import Stage, due_stage, policy_for, with_defaults

BATCH = 200
_DONE = {Action.ACKNOWLEDGE, Action.TICKET, Action.CLOSE, Action.DISMISS, Action.MERGE}


def who_is_on_call(uow_factory: UnitOfWorkFactory, clock: Clock, fallback: Identity | None) -> str | None:
    """The person on call now (their key): from the roster leads set, else `fallback` (ONCALL_USER)."""
    with uow_factory() as uow:
        person = on_call(uow.team.roster(), clock.now())
        if person is None and fallback is not None:
            person = uow.people.resolve(fallback).key
            uow.commit()
    return person


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _steps(before: int, due: Stage) -> list[Stage]:
    """The pings owed when a complaint moves from stage `before` to `due` (a late arrival ping is pointless)."""
    return [Stage(s) for s in range(before + 1, due + 1) if not (s == Stage.ARRIVAL and due > Stage.ARRIVAL)]


def _wait(complaint: Complaint) -> str:
    """The wait for an owner a page belongs to: each wait has its own ladder, and its own pager calls."""
    return complaint.waiting_since.strftime("%Y%m%dT%H%M%S")


def _arrival_page(complaint: Complaint, on_call_user: str | None) -> NewOutboxMessage:
    """The page for a complaint of a tier that pages on arrival: its own alert, acknowledged when it is claimed."""
    who = f"complaint #{complaint.id} from @{complaint.author_handle} ({complaint.tier})"
    new = "Back in the queue:" if complaint.requeued_at else "New"
    summary = f"{new} {who}: “{complaint.text[:140]}”"
    payload = {"action": "trigger", "alert": complaint_alert(complaint.id), "summary": summary, "user": on_call_user}
    key = page_key(complaint_alert(complaint.id), f"trigger{int(Stage.ARRIVAL)}", _wait(complaint))
    return NewOutboxMessage(PAGE, key, complaint.id, payload)


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
    on_call_user = who_is_on_call(uow_factory, clock, fallback_on_call)
    with uow_factory() as uow:
        policies = with_defaults(uow.team.sla_policies())
        standard = policy_for(policies, "standard")
        deadlines = {tier: now - p.claim_within for tier, p in policies.items()}
        late = uow.complaints.unclaimed_past(deadlines, now - standard.claim_within, Stage.LEADS, BATCH)
        arrivals = {tier: now for tier, p in policies.items() if p.page_on_arrival}
        new = uow.complaints.unclaimed_past(arrivals, None, Stage.ARRIVAL, BATCH)
    reached = []
    for complaint in {c.id: c for c in new + late}.values():
        policy = policy_for(policies, complaint.tier)
        due = due_stage(complaint.waiting_since, policy, leads_after, now)
        if due <= complaint.sla_stage:
            continue
        with uow_factory() as uow:
            if not uow.complaints.advance_sla_stage(complaint.id, complaint.sla_stage, due):
                continue  # another worker escalated it, or it was claimed meanwhile
            for stage in _steps(complaint.sla_stage, due):
                if stage is Stage.ARRIVAL:
                    uow.outbox.enqueue_many([_arrival_page(complaint, on_call_user)])
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
        raise_late_alerts(uow, queues or QueuePolicy(), on_call_user, now)
        uow.commit()
    return reached


def page_followups(before: Complaint, action: Action, paged_on_arrival: bool) -> list[NewOutboxMessage]:
    """Tell the pager a complaint paged on arrival was taken on (claimed) or dealt with (replied, ticketed, closed).
    (A late one has no alert of its own: its queue's alert closes once all of them have owners.)"""
    if before.sla_stage == Stage.NONE or not paged_on_arrival:
        return []
    alert = complaint_alert(before.id)
    if action in (Action.CLAIM, Action.REASSIGN):
        step = "acknowledge"
    elif action in _DONE:
        step = "resolve"
    else:
        return []
    payload = {"action": step, "alert": alert}
    return [NewOutboxMessage(PAGE, page_key(alert, step, _wait(before)), before.id, payload)]
