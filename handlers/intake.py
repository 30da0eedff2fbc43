"""Receive a normalized complaint: store it once, audit it, and queue its card."""

from __future__ import annotations

from handlers.model import SYSTEM, AuditEvent, Complaint, IncomingComplaint
from handlers.outbox_kinds import CARD_POST, card_post_key
from handlers.ports import Clock, Dedupe, UnitOfWorkFactory

DEDUPE_TTL_SECONDS = 7 * 24 * 3600


def dedupe_key(incoming: IncomingComplaint) -> str:
    """The key that makes a complaint the same complaint, whichever path delivered it."""
    return f"complaint:{incoming.source}:{incoming.external_id}"


def receive(
    uow_factory: UnitOfWorkFactory, clock: Clock, dedupe: Dedupe, incoming: IncomingComplaint
) -> Complaint | None:
    """Store `incoming` and queue its card; return None when it was already stored (a second delivery)."""
    key = dedupe_key(incoming)
    if dedupe.seen(key):
        return None
    with uow_factory() as uow:
        now = clock.now()
        tier = uow.customers.tier_of(incoming.author_handle)
        complaint = uow.complaints.add(incoming, now, tier)
        if complaint is not None:
            uow.audit.record(
                AuditEvent(
                    complaint_id=complaint.id,
                    actor=SYSTEM,
                    action="receive",
                    from_status=None,
                    to_status=complaint.status,
                    at=now,
                    detail={"source": incoming.source, "external_id": incoming.external_id},
                )
            )
            uow.outbox.enqueue(CARD_POST, card_post_key(complaint.id), complaint.id, {})
        uow.commit()
    dedupe.remember(key, DEDUPE_TTL_SECONDS)
    return complaint
