"""Where a Teams card lives, as the core stores it: the conversation (the channel) and the activity id."""

from __future__ import annotations

from handlers.domain.complaint import CardRef

SURFACE = "teams"


def teams_ref(conversation: str, activity_id: str) -> CardRef:
    """The card posted as `activity_id` in `conversation`."""
    return CardRef(SURFACE, conversation, {"activity": activity_id})


def activity_of(ref: CardRef) -> str:
    """The activity id of a Teams card."""
    return str(ref.data["activity"])
