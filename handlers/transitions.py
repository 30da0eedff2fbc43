"""Apply one lifecycle transition: a compare-and-set UPDATE, its audit event and card update, in one unit of work."""

from __future__ import annotations

from handlers.errors import ComplaintNotFound, ConcurrentUpdate
from handlers.lifecycle import decide
from handlers.model import Action, Actor, AuditEvent, Complaint
from handlers.outbox_kinds import CARD_UPDATE, URGENT_RANK, card_update_key
from handlers.ports import Clock, UnitOfWorkFactory

_ATTEMPTS = 3


def apply(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    complaint_id: int,
    action: Action,
    actor: Actor,
    *,
    new_owner: Actor | None = None,
) -> Complaint:
    """Carry out `action` on the complaint; return it as it now stands or raise a typed error.

    The database decides: the UPDATE only lands if status and version are still
    what we read. Losing the race re-reads and re-decides, so the loser gets the
    precise reason ("already claimed by @maria just now").
    """
    for _ in range(_ATTEMPTS):
        with uow_factory() as uow:
            complaint = uow.complaints.get(complaint_id)
            if complaint is None:
                raise ComplaintNotFound(complaint_id)
            now = clock.now()
            change = decide(complaint, action, actor, now, new_owner=new_owner)
            if not uow.complaints.compare_and_set(complaint, change):
                continue
            uow.audit.record(
                AuditEvent(
                    complaint_id=complaint_id,
                    actor=actor,
                    action=action.value,
                    from_status=complaint.status,
                    to_status=change.status,
                    at=now,
                    detail={"owner": new_owner.id} if new_owner else {},
                )
            )
            updated = complaint.changed(change)
            uow.outbox.enqueue(
                CARD_UPDATE, card_update_key(complaint_id, updated.version), complaint_id, {}, URGENT_RANK
            )
            uow.commit()
            return updated
    raise ConcurrentUpdate(complaint_id)
