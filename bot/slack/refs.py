"""How the Slack face names itself to the core, and how a Slack message becomes the core's opaque card reference."""

from __future__ import annotations

from handlers.domain.complaint import CardRef

SURFACE = "slack"


def slack_ref(channel: str, ts: str) -> CardRef:
    """A Slack message (channel and timestamp) as a card reference."""
    return CardRef(SURFACE, channel, {"message": ts})


def ts_of(ref: CardRef) -> str:
    """The Slack timestamp of a card reference."""
    return ref.data.get("message", "")
