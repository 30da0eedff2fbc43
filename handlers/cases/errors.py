"""Typed errors of the core, each with a message an agent can read."""

from __future__ import annotations

from datetime import datetime

from handlers.domain.complaint import Action, Status
from handlers.text.timeago import ago


class SqueakyError(Exception):
    """Base of every error the core raises on purpose; `str()` is fit to show an agent."""


class ComplaintNotFound(SqueakyError):
    """The complaint does not exist (or no longer does)."""

    def __init__(self, complaint_id: int) -> None:
        super().__init__(f"Complaint #{complaint_id} was not found.")
        self.complaint_id = complaint_id


class AlreadyClaimed(SqueakyError):
    """Someone else holds the claim."""

    def __init__(self, owner_name: str, claimed_at: datetime | None, now: datetime) -> None:
        when = f" {ago(claimed_at, now)}" if claimed_at else ""
        super().__init__(f"Already claimed by @{owner_name}{when}.")
        self.owner_name = owner_name


def _doing(action: Action, what: str = "this") -> str:
    """The action done to `what`, in a sentence ("move this to DMs" for the private hand-off)."""
    if action is Action.PRIVATE_REPLY:
        return f"reply privately on {what}"
    return f"move {what} to DMs" if action is Action.PRIVATE else f"{action.value} {what}"


class IllegalTransition(SqueakyError):
    """The action does not apply to a complaint in its current state."""

    def __init__(self, action: Action, status: Status) -> None:
        super().__init__(f"Can't {_doing(action, 'this complaint')}: it is already {status.value}.")
        self.action = action
        self.status = status


class NotOwner(SqueakyError):
    """The action needs the claim, and the actor does not hold it."""

    def __init__(self, action: Action, owner_name: str | None, *, leads_too: bool = False) -> None:
        holder = f"@{owner_name}" if owner_name else "nobody"
        who = "the agent holding the claim or a team lead" if leads_too else "the agent holding the claim"
        super().__init__(f"Only {who} can {_doing(action)}; it is held by {holder}.")


class NotOnTeam(SqueakyError):
    """The actor is not on the care team."""

    def __init__(self, action: Action) -> None:
        super().__init__(f"You are not on the care team, so you can't {action.value} complaints. Ask a team lead.")
        self.action = action


class NotLead(SqueakyError):
    """Only a team lead (or Squeaky itself) may do this."""

    def __init__(self, action: Action) -> None:
        said = "acknowledge an incident" if action is Action.INCIDENT_REPLY else f"{action.value} this"
        super().__init__(f"Only a team lead can {said}.")
        self.action = action


class InvalidRequest(SqueakyError):
    """The request itself is wrong (a reply too long, an unknown case to merge into); the message says how."""


class ConcurrentUpdate(SqueakyError):
    """The complaint kept changing under us; the caller may try again."""

    def __init__(self, complaint_id: int) -> None:
        super().__init__(f"Complaint #{complaint_id} changed while we were updating it; please try again.")
