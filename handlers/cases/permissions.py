"""Who may do what: agents act on complaints; the claim's owner acts on a claimed one; leads may reassign anyone's."""

from __future__ import annotations

from handlers.cases.errors import NotLead, NotOnTeam, NotOwner
from handlers.domain.complaint import Action, Actor, Complaint, Role, Status

# Actions that only the agent holding the claim may take.
OWNER_ONLY = frozenset(
    {Action.RELEASE, Action.ACKNOWLEDGE, Action.TICKET, Action.CLOSE, Action.PRIVATE, Action.PRIVATE_REPLY}
)
# Actions the owner or a lead may take once a complaint is claimed.
OWNER_OR_LEAD = frozenset({Action.REASSIGN, Action.DISMISS, Action.MERGE, Action.MOVE})
# Actions only leads take.
LEAD_ONLY = frozenset({Action.INCIDENT_REPLY})


def authorize(actor: Actor, action: Action, complaint: Complaint) -> None:
    """Raise a typed error saying why `actor` may not take `action` on `complaint`; return if they may."""
    if Role.SYSTEM in actor.roles:
        return
    if action is Action.EXPIRE:
        raise NotLead(action)
    if not actor.roles & {Role.AGENT, Role.LEAD}:
        raise NotOnTeam(action)
    if action in LEAD_ONLY and Role.LEAD not in actor.roles:
        raise NotLead(action)
    owns = complaint.owner is not None and complaint.owner.id == actor.id
    if action in OWNER_ONLY and not owns:
        raise NotOwner(action, complaint.owner.name if complaint.owner else None)
    claimed = complaint.owner is not None and complaint.status is not Status.NEW
    if action in OWNER_OR_LEAD and claimed and not owns and Role.LEAD not in actor.roles:
        raise NotOwner(action, complaint.owner.name if complaint.owner else None, leads_too=True)
