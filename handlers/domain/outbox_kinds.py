"""The kinds of outbox messages and their idempotency keys, named in one place."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handlers.domain.card import STANDARD_TIER

CARD_POST = "card.post"
CARD_POST_RESERVED = "card.post.reserved"  # a card that may take the channel's reserved slot (a tier above standard)
CARD_UPDATE = "card.update"
CARD_FOLLOWUP = "card.followup"
CARD_LOG = "card.log"  # a line in the card's thread: who did what
CARD_MOVE = "card.move"  # the card goes to another queue's channel; the old one points there
X_REPLY = "x.reply"  # a public reply on the complaint's network (the name is from when X was the only one)
X_STATUS = "x.status"  # a standalone post from the brand account (an incident's status update)
INCIDENT_REPLIES = "incident.replies"  # a lead's incident reply, to be given to each eligible complaint
TICKET_CREATE = "ticket.create"
CHAT_DM = "chat.dm"  # a direct message (escalation)
CHAT_ANNOUNCE = "chat.announce"  # a message in the channel (the lead group called on, a spike alert)
PAGE = "page"  # trigger, acknowledge or resolve an on-call alert through the pager

# Card updates, thread lines of agents' actions and alerts go first; new cards and customers' follow-ups go by
# their case's queue rank.
URGENT_RANK = 1e15

# The chat kinds: each goes to every chat surface that is on, as one message per surface naming it and its channel
# (handlers.dispatch.fan_out), so a surface failing or asking us to slow down holds up only its own messages.
TO_EACH_SURFACE = frozenset(
    {CARD_POST, CARD_POST_RESERVED, CARD_UPDATE, CARD_FOLLOWUP, CARD_LOG, CARD_MOVE, CHAT_ANNOUNCE, CHAT_DM}
)
WAITS_FOR_CARD = frozenset({CARD_FOLLOWUP, CARD_LOG})  # thread lines: due once their card is out
POSTS_A_CARD = frozenset({CARD_POST, CARD_POST_RESERVED})
# Alerts never go out ahead of a VIP card decided before them: they wait while an older one is still to be posted,
# unless it has waited this long (a chat tool down must not hold the pager back).
AFTER_VIP_CARDS = frozenset({PAGE, CHAT_ANNOUNCE})
VIP_CARD_GATE_SECONDS = 30.0
DEFAULT_CHANNEL = ""  # the surface's own channel for cards, until queues name theirs

# Lanes: the messages that share one outside budget. A rate limit or an outage pauses its lane, not the others.
# A chat lane is one surface's channel (posts, thread lines, announcements), its reserved slot (cards of a tier above
# standard, which our own pace pausing the channel leaves free to go), its card updates, or the surface's direct
# messages: a Teams 429 never pauses Slack, and two channels post side by side, each at its own pace.
_OTHER_LANES: dict[str, str] = {
    X_STATUS: "social:x",
    TICKET_CREATE: "tickets",
    PAGE: "pager",
    INCIDENT_REPLIES: "incidents",
}


def card_post_kind(tier: str) -> str:
    """The kind of a new case's card: one of a tier above standard may use the channel's reserved slot."""
    return CARD_POST if tier == STANDARD_TIER else CARD_POST_RESERVED


def lane_of(kind: str, payload: Mapping[str, Any]) -> str:
    """The lane a message travels in (an unknown kind travels alone)."""
    if kind == X_REPLY:  # one lane per network: X's posting limit never holds a Bluesky reply back
        return f"social:{payload.get('source') or 'x'}"
    surface = payload.get("surface")
    if kind not in TO_EACH_SURFACE or not surface:
        return _OTHER_LANES.get(kind, kind)
    if kind == CHAT_DM:
        return f"{surface}:dm"
    channel = f"{surface}:{payload.get('channel') or '*'}"
    if kind == CARD_UPDATE:
        return f"{channel}:update"
    return f"{channel}:reserve" if kind == CARD_POST_RESERVED else channel


# The kinds whose order in a channel agents see (standard cards by rank, thread lines after their card, notices): a
# channel's messages of these kinds are leased by one worker at a time, so that rank order holds across workers. A
# card of a tier above standard is not among them: it goes ahead of all of these anyway, and no worker's hold on the
# channel (nor a killed worker's, until it is found silent) may keep it waiting.
_ORDERED = frozenset({CARD_POST, CARD_FOLLOWUP, CARD_LOG, CARD_MOVE, CHAT_ANNOUNCE})


def ordering_of(kind: str, payload: Mapping[str, Any]) -> str | None:
    """The chat channel whose order a message keeps, or None when it needs no hold on the channel (VIP cards, which
    go first; card updates, which render the current state; direct messages, replies, tickets and pages)."""
    surface = payload.get("surface")
    if kind not in _ORDERED or not surface:
        return None
    return f"{surface}:{payload.get('channel') or '*'}"


def card_post_key(complaint_id: int) -> str:
    """Idempotency key of a complaint's (one) card."""
    return f"card.post:{complaint_id}"


def card_update_key(complaint_id: int, version: int) -> str:
    """Idempotency key of the card update for one version of a complaint."""
    return f"card.update:{complaint_id}:{version}"


def card_update_followups_key(complaint_id: int, followup_count: int) -> str:
    """Idempotency key of the card update that shows a new follow-up count."""
    return f"card.update:{complaint_id}:f{followup_count}"


def card_followup_key(source: str, external_id: str) -> str:
    """Idempotency key of a follow-up's line in the card's thread."""
    return f"card.followup:{source}:{external_id}"


def card_refresh_key(complaint_id: int, version: int, followup_count: int) -> str:
    """Idempotency key of the update that follows a post which rendered an older version.

    Distinct from card_update_key: the transition's own update may already have run
    (and found no card yet), and must not swallow this one.
    """
    return f"card.refresh:{complaint_id}:{version}:{followup_count}"


def card_move_key(complaint_id: int, version: int) -> str:
    """Idempotency key of moving a complaint's card to its new queue's channel."""
    return f"{CARD_MOVE}:{complaint_id}:{version}"


def card_log_key(complaint_id: int, version: int) -> str:
    """Idempotency key of the thread line for one version of a complaint."""
    return f"card.log:{complaint_id}:{version}"


def reply_key(complaint_id: int, version: int) -> str:
    """Idempotency key of a public reply (a new one for each attempt an agent makes)."""
    return f"x.reply:{complaint_id}:{version}"


def ticket_key(complaint_id: int, version: int) -> str:
    """Idempotency key of a ticket creation (a new one for each attempt an agent makes)."""
    return f"ticket.create:{complaint_id}:{version}"


def incident_key(incident: str, at: datetime) -> str:
    """Idempotency key of one incident reply a lead sent."""
    return f"{INCIDENT_REPLIES}:{incident}:{at.strftime('%Y%m%dT%H%M%S%f')}"


def dm_key(purpose: str, complaint_id: int, at: str) -> str:
    """Idempotency key of a direct message about a complaint."""
    return f"chat.dm:{purpose}:{complaint_id}:{at}"


def page_key(alert: str, action: str, at: str) -> str:
    """Idempotency key of one pager call about an alert."""
    return f"page:{alert}:{action}:{at}"


def complaint_alert(complaint_id: int) -> str:
    """The pager's alert key for a complaint waiting for an owner (its dedup key)."""
    return f"squeaky-complaint-{complaint_id}"
