"""Apply one action: authorize, a compare-and-set UPDATE, its audit event, the card update, the thread line and any
side effects, in one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.cases.activity import describe
from handlers.cases.errors import ComplaintNotFound, ConcurrentUpdate, InvalidRequest, NotLead, NotOnTeam, NotOwner
from handlers.cases.lifecycle import OPEN_STATUSES, decide
from handlers.cases.on_call import page_followups
from handlers.cases.permissions import authorize
from handlers.dispatch.fan_out import send
from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import Action, Actor, AuditEvent, Change, Complaint
from handlers.domain.outbox_kinds import URGENT_RANK, CardUpdate, ThreadLine
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory

_ATTEMPTS = 3
LINE_RANK = URGENT_RANK - 1  # an action's line in the card's thread goes after the card updates due with it
Effects = Callable[[Complaint], list[NewOutboxMessage]]


def check_allowed(
    uow_factory: UnitOfWorkFactory, clock: Clock, complaint: Complaint, action: Action, actor: Actor
) -> None:
    """Raise the typed refusal if `actor` may not do `action` (before a form opens, say), auditing the attempt."""
    try:
        authorize(actor, action, complaint)
    except (NotOnTeam, NotLead, NotOwner):
        with uow_factory() as uow:
            refused = AuditEvent(
                complaint.id, actor, f"refused:{action.value}", complaint.status, None, clock.now(), {}
            )
            uow.audit.record(refused)
            uow.commit()
        raise


def apply(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    complaint_id: int,
    action: Action,
    actor: Actor,
    *,
    effects: Effects | None = None,
    detail: dict[str, Any] | None = None,
    partner: int | None = None,
    **intent: Any,
) -> Complaint:
    """Carry out `action` on the complaint; return it as it now stands or raise a typed error.

    The database decides: the UPDATE only lands if status and version are still what
    we read. Losing the race re-reads and re-decides, so the loser gets the precise
    reason ("already claimed by @maria just now"). A refusal for lack of rights is
    audited too.

    `partner` is another case the action needs open (a merge's target): it is checked and
    its version moved in the same transaction, both rows in id order, so two merges of A
    into B and B into A cannot both land.
    """
    for _ in range(_ATTEMPTS):
        with uow_factory() as uow:
            complaint = uow.complaints.get(complaint_id)
            if complaint is None:
                raise ComplaintNotFound(complaint_id)
            now = clock.now()
            try:
                authorize(actor, action, complaint)
            except (NotOnTeam, NotLead, NotOwner):
                refused = AuditEvent(complaint_id, actor, f"refused:{action.value}", complaint.status, None, now, {})
                uow.audit.record(refused)
                uow.commit()
                raise
            change = decide(complaint, action, actor, now, **intent)
            writes = [(complaint, change)]
            if partner is not None:
                other = uow.complaints.get(partner)
                if other is None or other.status not in OPEN_STATUSES:
                    raise InvalidRequest(f"#{partner} is not an open complaint; merge into one that is.")
                writes.append((other, Change(other.status)))  # only its version moves: "still open, as read"
            if not all(uow.complaints.compare_and_set(c, w) for c, w in sorted(writes, key=lambda cw: cw[0].id)):
                continue  # leaving the unit of work undone rolls back whatever did land
            updated = complaint.changed(change)
            uow.audit.record(
                AuditEvent(
                    complaint_id,
                    actor,
                    action.value,
                    complaint.status,
                    change.status,
                    now,
                    _detail(complaint, action, detail),
                )
            )
            line = ActivityLine(actor, describe(action, complaint, updated))
            outbox = [
                NewOutboxMessage(
                    CardUpdate(), CardUpdate.key(complaint_id, updated.version), complaint_id, URGENT_RANK
                ),
                NewOutboxMessage(
                    ThreadLine(line=line), ThreadLine.key(complaint_id, updated.version), complaint_id, LINE_RANK
                ),
            ]
            outbox += page_followups(complaint, action)
            send(uow, outbox + (effects(updated) if effects else []), {complaint_id: complaint.cards})
            if not complaint.cards:  # its card may be held (a queue in storm mode): taken, it is posted now
                uow.outbox.release_held(now, complaint_id=complaint_id)
            uow.commit()
            return updated
    raise ConcurrentUpdate(complaint_id)


def _detail(complaint: Complaint, action: Action, detail: dict[str, Any] | None) -> dict[str, Any]:
    """The audit line's detail; a claim taken back names whose it was (push assignment passes it to someone else)."""
    if action in (Action.EXPIRE, Action.RELEASE) and complaint.owner is not None:
        return {**(detail or {}), "from": complaint.owner.id}
    return detail or {}
