"""The lifecycle rules: which action takes a complaint from which state to which.

new -> claimed -> acknowledged -> ticketed -> closed, plus dismissed and merged. A claim
can be released, reassigned, or taken back by the system when nobody acted in time. A
public reply can also follow the ticket (so it can quote the ticket number), and a
failed reply or ticket can be tried again. This module is pure: it decides, and
`transitions.apply` writes the decision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers.cases.errors import AlreadyClaimed, IllegalTransition, InvalidRequest
from handlers.domain.complaint import (
    Action,
    Actor,
    Change,
    Complaint,
    Delivery,
    PrivateHandoff,
    PublicReply,
    Status,
    Ticket,
)

OPEN_STATUSES = frozenset({Status.NEW, Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED})
_OPEN = OPEN_STATUSES

# The states each action may start from.
RULES: dict[Action, frozenset[Status]] = {
    Action.CLAIM: frozenset({Status.NEW}),
    Action.RELEASE: frozenset({Status.CLAIMED}),
    Action.EXPIRE: frozenset({Status.CLAIMED}),
    Action.REASSIGN: frozenset({Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED}),
    Action.ACKNOWLEDGE: frozenset({Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED}),
    # waiting or not, each complaint of the incident hears from us; one waiting for an owner still waits
    Action.INCIDENT_REPLY: frozenset({Status.NEW, Status.CLAIMED, Status.TICKETED}),
    Action.TICKET: frozenset({Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED}),
    Action.PRIVATE: frozenset({Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED}),
    Action.PRIVATE_REPLY: frozenset({Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED}),
    Action.CLOSE: frozenset({Status.ACKNOWLEDGED, Status.TICKETED}),
    Action.DISMISS: frozenset({Status.NEW, Status.CLAIMED}),
    Action.MERGE: _OPEN,
    Action.ESCALATE: _OPEN,
    Action.MOVE: _OPEN,
}


def decide(
    complaint: Complaint,
    action: Action,
    actor: Actor,
    now: datetime,
    *,
    new_owner: Actor | None = None,
    reply_text: str | None = None,
    ticket_system: str | None = None,
    ticket_subject: str | None = None,
    reason: str | None = None,
    into: int | None = None,
    queue: str | None = None,
    tier: str | None = None,
    private_text: str | None = None,
) -> Change:
    """Return the change `action` by `actor` makes to `complaint`, or raise a typed error saying why not."""
    if action is Action.MOVE:
        if complaint.status not in RULES[action]:
            raise IllegalTransition(action, complaint.status)
        if not queue or (queue == complaint.queue and (tier is None or tier == complaint.tier)):
            raise InvalidRequest(f"#{complaint.id} is on {complaint.queue} already.")
        return Change(complaint.status, queue=queue, tier=tier, at=now)
    if action is Action.PRIVATE:
        if complaint.status not in RULES[action]:
            raise IllegalTransition(action, complaint.status)
        return replace(_private(complaint, private_text), at=now)
    if action is Action.PRIVATE_REPLY:
        if complaint.status not in RULES[action]:
            raise IllegalTransition(action, complaint.status)
        return _private_reply(complaint, private_text, now)
    change = _decide(complaint, action, actor, now, new_owner, reply_text, ticket_system, ticket_subject, reason, into)
    return replace(change, at=now)


def _decide(
    complaint: Complaint,
    action: Action,
    actor: Actor,
    now: datetime,
    new_owner: Actor | None,
    reply_text: str | None,
    ticket_system: str | None,
    ticket_subject: str | None,
    reason: str | None,
    into: int | None,
) -> Change:
    status = complaint.status
    if status not in RULES[action]:
        if action is Action.CLAIM and status is Status.CLAIMED and complaint.owner is not None:
            raise AlreadyClaimed(complaint.owner.name, complaint.claimed_at, now)
        raise IllegalTransition(action, status)
    if action is Action.CLAIM:
        return Change(Status.CLAIMED, owner=actor, claimed_at=now)
    if action in (Action.RELEASE, Action.EXPIRE):
        return Change(Status.NEW, clear_owner=True)
    if action is Action.REASSIGN:
        if new_owner is None:
            raise InvalidRequest("Pick the agent to hand this complaint to.")
        return Change(status, owner=new_owner, claimed_at=now)
    if action in (Action.ACKNOWLEDGE, Action.INCIDENT_REPLY):
        return _acknowledge(complaint, reply_text)
    if action is Action.TICKET:
        return _ticket(complaint, ticket_system, ticket_subject)
    if action is Action.CLOSE:
        return Change(Status.CLOSED)
    if action is Action.DISMISS:
        if not reason:
            raise InvalidRequest("Say why this is dismissed (spam, not for us, duplicate).")
        return Change(Status.DISMISSED, clear_owner=True, dismiss_reason=reason)
    if action is Action.MERGE:
        if into is None or into == complaint.id:
            raise InvalidRequest("Name another complaint to merge this one into.")
        return Change(Status.MERGED, clear_owner=True, merged_into=into)
    return Change(status)  # ESCALATE records, it does not move


def _acknowledge(complaint: Complaint, text: str | None) -> Change:
    if not text or not text.strip():
        raise InvalidRequest("Write the public reply first.")
    if complaint.reply is not None and complaint.reply.status is not Delivery.FAILED:
        raise IllegalTransition(Action.ACKNOWLEDGE, Status.ACKNOWLEDGED)
    status = Status.ACKNOWLEDGED if complaint.status is Status.CLAIMED else complaint.status
    return Change(status, reply=PublicReply(text=text.strip(), status=Delivery.PENDING))


def _private(complaint: Complaint, text: str | None) -> Change:
    """The customer hears from us privately: the case counts as acknowledged (a refused hand-off may be tried again,
    and the public reply stays offered)."""
    if not text or not text.strip():
        raise InvalidRequest("Write the private message first.")
    if complaint.private is not None and complaint.private.status is not Delivery.FAILED:
        raise InvalidRequest(f"#{complaint.id} is in a private conversation already.")
    status = Status.ACKNOWLEDGED if complaint.status is Status.CLAIMED else complaint.status
    return Change(status, private=PrivateHandoff(text=text.strip(), status=Delivery.PENDING))


def _ticket(complaint: Complaint, system: str | None, subject: str | None) -> Change:
    retry = complaint.ticket is not None and complaint.ticket.status is Delivery.FAILED
    if complaint.status is Status.TICKETED and not retry:
        raise IllegalTransition(Action.TICKET, Status.TICKETED)
    if not system or not subject or not subject.strip():
        raise InvalidRequest("A ticket needs a subject.")
    return Change(Status.TICKETED, ticket=Ticket(system=system, subject=subject.strip(), status=Delivery.PENDING))


def _private_reply(complaint: Complaint, text: str | None, now: datetime) -> Change:
    """An answer in the private conversation we opened: only once it went out; the case stays where it is (only its
    version moves, so each answer has its own key and is sent once)."""
    if complaint.private is None or complaint.private.status is not Delivery.SENT:
        raise InvalidRequest(f"#{complaint.id} has no private conversation yet: move it to DMs first.")
    if not (text or "").strip():
        raise InvalidRequest("Write the private message first.")
    return Change(complaint.status, at=now)
