"""The Slack face's own state in one process: its gateway, its directory of the care team and its queue of clicks
for the workers; kept in `Services.face_parts` and read back only by the Slack package."""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack.gateway import SlackChatGateway
from bot.slack.refs import SURFACE
from bot.slack.team import TeamDirectory
from bot.wiring import Services
from handlers.ports.coordination import StreamQueue

CLICKS = "squeaky:clicks"  # the stream of clicks the web process acked, for a worker to decide


@dataclass(frozen=True)
class SlackParts:
    """The Slack face's parts besides the core."""

    chat: SlackChatGateway  # the face's own calls (an ephemeral answer) besides the outbox's
    team: TeamDirectory
    clicks: StreamQueue


def slack_of(services: Services) -> SlackParts:
    """The Slack face's parts (the Slack face runs only when Slack is on)."""
    parts = services.face_parts.get(SURFACE)
    if not isinstance(parts, SlackParts):
        raise RuntimeError("Slack is not configured here (SLACK_BOT_TOKEN, SLACK_CHANNEL)")
    return parts
