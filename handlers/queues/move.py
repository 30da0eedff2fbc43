"""Moving a complaint to another queue: asked for (`/squeaky move #123 elite`), or because its customer's tier changed
and another queue takes that tier. The complaint's queue changes by compare-and-set, audited, and its card follows:
posted in the new queue's channel, the old one turned into a pointer there (handlers.outbox.runner)."""

from __future__ import annotations

from handlers.cases import transitions
from handlers.cases.errors import ConcurrentUpdate, IllegalTransition, InvalidRequest
from handlers.domain.complaint import Action, Actor, Complaint
from handlers.domain.outbox_kinds import URGENT_RANK, CardMove
from handlers.domain.queue import Queue, QueuePolicy
from handlers.intake.vip_registry import split_key
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory


def move_to_queue(
    uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, who: Actor, queue: Queue, tier: str | None = None
) -> Complaint:
    """Put the complaint on `queue` (and its tier to `tier`, when that changed), and its card in that queue's
    channel on every chat tool."""

    with uow_factory() as uow:
        current = uow.complaints.get(complaint_id)
    moving = current is None or current.queue != queue.name  # only its tier changing: the card stays where it is

    def effects(updated: Complaint) -> list[NewOutboxMessage]:
        if not moving:
            return []
        move = CardMove(channels=dict(queue.channels), title=queue.title)
        return [NewOutboxMessage(move, CardMove.key(complaint_id, updated.version), complaint_id, URGENT_RANK)]

    return transitions.apply(
        uow_factory, clock, complaint_id, Action.MOVE, who, effects=effects,
        detail={"to": queue.name, **({"tier": tier} if tier else {})}, queue=queue.name, tier=tier,
    )  # fmt: skip


def follow_tier(
    uow_factory: UnitOfWorkFactory, clock: Clock, queues: QueuePolicy, handle: str, tier: str, who: Actor
) -> list[int]:
    """A customer's tier changed: each of their open complaints takes the new tier, and moves to the queue that now
    takes it (if another does). Return the complaints moved."""
    with uow_factory() as uow:
        network, bare = split_key(handle)
        open_ = [c for c in uow.complaints.open_of(bare) if network is None or c.source == network]
    moved = []
    for complaint in open_:
        queue = queues.queue_for(text=complaint.text, tier=tier, topic=complaint.topic, source=complaint.source)
        if queue.name == complaint.queue and tier == complaint.tier:
            continue
        try:
            move_to_queue(uow_factory, clock, complaint.id, who, queue, tier)
        except (IllegalTransition, ConcurrentUpdate, InvalidRequest):
            continue
        moved.append(complaint.id)
    return moved
