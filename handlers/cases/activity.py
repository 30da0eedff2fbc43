"""The line each action leaves in the card's thread: who did what (platform-neutral; renderers add the mention)."""

from __future__ import annotations

from handlers.domain.complaint import Action, Complaint

_NETWORKS = {"x": "X", "bsky": "Bluesky", "mastodon": "Mastodon"}


def _network(source: str) -> str:
    return _NETWORKS.get(source, source)


def describe(action: Action, before: Complaint, after: Complaint) -> str:
    """What `action` did, as the rest of a sentence that starts with the actor."""
    if action is Action.CLAIM:
        return "claimed this"
    if action is Action.RELEASE:
        return "released this back to the queue"
    if action is Action.EXPIRE:
        held = f"@{before.owner.name}" if before.owner else "its owner"
        return f"took back the claim of {held}: nobody acted on it in time. It is back in the queue"
    if action is Action.REASSIGN:
        return f"handed this to @{after.owner.name}" if after.owner else "reassigned this"
    if action is Action.ACKNOWLEDGE:
        return f"replied publicly on {_network(after.source)}"
    if action is Action.MOVE:
        return f"moved this to the {after.queue} queue; its card is there now"
    if action is Action.INCIDENT_REPLY:
        return f"acknowledged this publicly on {_network(after.source)} with the incident's reply"
    if action is Action.TICKET:
        system = after.ticket.system if after.ticket else "the ticketing system"
        return f"moved this offline to a ticket in {system}"
    if action is Action.PRIVATE:
        return f"moved this to a private conversation on {_network(after.source)}"
    if action is Action.PRIVATE_REPLY:
        return f"answered the customer privately on {_network(after.source)}"
    if action is Action.CLOSE:
        return "closed this"
    if action is Action.DISMISS:
        return f"dismissed this: {after.dismiss_reason}"
    if action is Action.MERGE:
        return f"merged this into #{after.merged_into}"
    return "escalated this to on-call"
