"""The agent's actions on a card, one use case each: acknowledge publicly, move to a ticket, close, dismiss, merge,
reassign, escalate; and the system's: taking back claims nobody acted on in time."""

from __future__ import annotations

from datetime import timedelta

from handlers.cases import transitions
from handlers.cases.errors import ComplaintNotFound, ConcurrentUpdate, IllegalTransition, InvalidRequest
from handlers.domain.complaint import SYSTEM, Action, Actor, Complaint
from handlers.domain.outbox_kinds import DirectMessage, SocialReply, TicketCreate
from handlers.ports.clock import Clock
from handlers.ports.gateways import LengthRule
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.unit_of_work import UnitOfWorkFactory


def acknowledge(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    complaint_id: int,
    agent: Actor,
    text: str,
    *,
    length: LengthRule,
) -> Complaint:
    """Reply publicly where the complaint was posted (through the outbox); the card links the reply once it is out."""
    measured = length.measure(text)
    if measured.over:
        raise InvalidRequest(f"The reply is {measured.length} characters {length.rule}; the limit is {measured.limit}.")

    def effects(updated: Complaint) -> list[NewOutboxMessage]:
        reply = SocialReply(source=updated.source)  # each network's replies wait on that network's limits only
        return [NewOutboxMessage(reply, SocialReply.key(complaint_id, updated.version), complaint_id)]

    return transitions.apply(
        uow_factory,
        clock,
        complaint_id,
        Action.ACKNOWLEDGE,
        agent,
        effects=effects,
        detail={"text": text},
        reply_text=text,
    )


def move_to_ticket(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    complaint_id: int,
    agent: Actor,
    *,
    system: str,
    subject: str,
    priority: str = "normal",
    notes: str = "",
    contact: str = "",
) -> Complaint:
    """Move the complaint offline to a ticket in the system of record (created through the outbox, retried)."""

    def effects(updated: Complaint) -> list[NewOutboxMessage]:
        ticket = TicketCreate(priority=priority, notes=notes, contact=contact)
        return [NewOutboxMessage(ticket, TicketCreate.key(complaint_id, updated.version), complaint_id)]

    detail = {"subject": subject, "priority": priority}
    return transitions.apply(
        uow_factory,
        clock,
        complaint_id,
        Action.TICKET,
        agent,
        effects=effects,
        detail=detail,
        ticket_system=system,
        ticket_subject=subject,
    )


def close(uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor) -> Complaint:
    """Close a complaint that was acknowledged or ticketed."""
    return transitions.apply(uow_factory, clock, complaint_id, Action.CLOSE, agent)


def dismiss(uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor, reason: str) -> Complaint:
    """Dismiss a complaint that needs nothing from us (spam, not for us, a duplicate), with the reason."""
    return transitions.apply(
        uow_factory, clock, complaint_id, Action.DISMISS, agent, detail={"reason": reason}, reason=reason
    )


def merge(uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor, into: int) -> Complaint:
    """Fold the complaint into another open case (checked, with this one, in one transaction)."""
    return transitions.apply(
        uow_factory, clock, complaint_id, Action.MERGE, agent, detail={"into": into}, partner=into, into=into
    )


def reassign(
    uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor, new_owner: Actor
) -> Complaint:
    """Hand the claim to another agent (the owner, or any lead, may)."""
    return transitions.apply(
        uow_factory, clock, complaint_id, Action.REASSIGN, agent, detail={"to": new_owner.id}, new_owner=new_owner
    )


def escalate(
    uow_factory: UnitOfWorkFactory, clock: Clock, complaint_id: int, agent: Actor, on_call: str | None
) -> Complaint:
    """Ping the on-call person now, with a link to the card."""
    if not on_call:
        raise InvalidRequest("Nobody is on call yet: a team lead sets who is.")

    def effects(updated: Complaint) -> list[NewOutboxMessage]:
        text = f"@{agent.name} escalated complaint #{complaint_id} from @{updated.author_handle} to you."
        key = DirectMessage.key("escalate", complaint_id, clock.now().isoformat())
        return [NewOutboxMessage(DirectMessage(user=on_call, text=text), key, complaint_id)]

    return transitions.apply(
        uow_factory, clock, complaint_id, Action.ESCALATE, agent, effects=effects, detail={"on_call": on_call}
    )


def expire_claims(uow_factory: UnitOfWorkFactory, clock: Clock, deadline: timedelta) -> list[int]:
    """Put back in the queue every claim nobody acknowledged or ticketed within `deadline`; return their ids."""
    with uow_factory() as uow:
        stale = uow.complaints.claimed_before(clock.now() - deadline)
    expired = []
    for complaint_id in stale:
        try:
            transitions.apply(uow_factory, clock, complaint_id, Action.EXPIRE, SYSTEM)
        except (ComplaintNotFound, IllegalTransition, ConcurrentUpdate):
            continue  # it moved on meanwhile (acknowledged, released, reclaimed): nothing to take back
        expired.append(complaint_id)
    return expired
