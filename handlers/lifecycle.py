"""The lifecycle rules: which action takes a complaint from which state to which.

new -> claimed -> acknowledged -> ticketed -> closed, plus dismissed and merged.
A claim can be released (back to new) or reassigned. This module is pure: it
decides, and `transitions.apply` writes the decision.
"""

from __future__ import annotations

from datetime import datetime

from handlers.errors import AlreadyClaimed, IllegalTransition, NotOwner
from handlers.model import Action, Actor, Change, Complaint, Status

OPEN_STATUSES = frozenset({Status.NEW, Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED})
_OPEN = OPEN_STATUSES

# action -> (states it may start from, state it leads to); None keeps the status.
RULES: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.CLAIM: (frozenset({Status.NEW}), Status.CLAIMED),
    Action.RELEASE: (frozenset({Status.CLAIMED}), Status.NEW),
    Action.REASSIGN: (frozenset({Status.CLAIMED, Status.ACKNOWLEDGED, Status.TICKETED}), None),
    Action.ACKNOWLEDGE: (frozenset({Status.CLAIMED}), Status.ACKNOWLEDGED),
    Action.TICKET: (frozenset({Status.CLAIMED, Status.ACKNOWLEDGED}), Status.TICKETED),
    Action.CLOSE: (frozenset({Status.ACKNOWLEDGED, Status.TICKETED}), Status.CLOSED),
    Action.DISMISS: (frozenset({Status.NEW, Status.CLAIMED}), Status.DISMISSED),
    Action.MERGE: (_OPEN, Status.MERGED),
}

# Actions that only the agent holding the claim may take.
_OWNER_ONLY = frozenset({Action.RELEASE, Action.ACKNOWLEDGE, Action.TICKET, Action.CLOSE})


def is_terminal(status: Status) -> bool:
    """True for states no action leads out of."""
    return status not in _OPEN


def decide(
    complaint: Complaint, action: Action, actor: Actor, now: datetime, *, new_owner: Actor | None = None
) -> Change:
    """Return the change `action` by `actor` makes to `complaint`, or raise a typed error saying why not."""
    allowed_from, target = RULES[action]
    if complaint.status not in allowed_from:
        if action is Action.CLAIM and complaint.status is Status.CLAIMED and complaint.owner is not None:
            raise AlreadyClaimed(complaint.owner.name, complaint.claimed_at, now)
        raise IllegalTransition(action, complaint.status)
    if action in _OWNER_ONLY and (complaint.owner is None or complaint.owner.id != actor.id):
        raise NotOwner(action, complaint.owner.name if complaint.owner else None)
    if action is Action.CLAIM:
        return Change(status=Status.CLAIMED, owner=actor, claimed_at=now)
    if action is Action.REASSIGN:
        if new_owner is None:
            raise ValueError("reassign needs the new owner")
        return Change(status=complaint.status, owner=new_owner, claimed_at=now)
    assert target is not None
    if action is Action.RELEASE or target in (Status.DISMISSED, Status.MERGED):
        return Change(status=target, clear_owner=True)
    return Change(status=target)
