"""Service levels in action: page on-call when a complaint waits unclaimed past its tier's deadline (or on arrival,
for tiers that page on arrival), then call on the lead group in the channel; each step once, every step audited.

Nothing is kept in memory: each pass reads the stored arrival times, tiers and escalation
stages, so a restart loses no timer and repeats no ping (the stage moves by compare-and-set).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.cases.model import SYSTEM, Action, AuditEvent, Complaint
from handlers.outbox.kinds import CHAT_ANNOUNCE, PAGE, complaint_alert, page_key
from handlers.people.model import Identity
from handlers.ports.persistence import Clock, NewOutboxMessage, UnitOfWorkFactory
from handlers.team.oncall import on_call
from handlers.team.sla import SlaPolicy, Stage, due_stage, policy_for, with_defaults

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


def _ping(
    complaint: Complaint, stage: Stage, policy: SlaPolicy, on_call_user: str | None, now: datetime
) -> NewOutboxMessage:
    waited = _minutes(now - complaint.waiting_since)
    wait = _wait(complaint)
    who = f"complaint #{complaint.id} from @{complaint.author_handle} ({complaint.tier})"
    if stage is Stage.LEADS:
        text = (
            f"Still unclaimed: {who} has waited {waited} min; the service level is {policy.claim_minutes} min "
            "and on-call was paged. Can someone take it?"
        )
        key = f"chat.announce:sla:{complaint.id}:{wait}"
        return NewOutboxMessage(CHAT_ANNOUNCE, key, complaint.id, {"text": text, "leads": True})
    if stage is Stage.ARRIVAL:
        new = "Back in the queue:" if complaint.requeued_at else "New"
        summary = f"{new} {who}: “{complaint.text[:140]}”"
    else:
        summary = f"Unclaimed past its service level: {who}, waiting {waited} min (level: {policy.claim_minutes} min)"
    payload = {"action": "trigger", "alert": complaint_alert(complaint.id), "summary": summary, "user": on_call_user}
    return NewOutboxMessage(
        PAGE, page_key(complaint_alert(complaint.id), f"trigger{int(stage)}", wait), complaint.id, payload
    )


def check_service_levels(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, leads_after: timedelta, fallback_on_call: Identity | None = None
) -> list[tuple[int, Stage]]:
    """Escalate every unclaimed complaint that has earned it; return (complaint id, stage reached) for each."""
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
                ping = _ping(complaint, stage, policy, on_call_user, now)
                uow.outbox.enqueue_many([ping])
                detail = {
                    "to": "leads" if stage is Stage.LEADS else on_call_user,
                    "waited_s": (now - complaint.waiting_since).total_seconds(),
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
    return reached


def page_followups(before: Complaint, action: Action) -> list[NewOutboxMessage]:
    """Tell the pager a paged complaint was taken on (claimed) or dealt with (replied, ticketed, closed)."""
    if before.sla_stage == Stage.NONE:
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
