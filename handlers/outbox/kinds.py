"""The kinds of outbox messages and their idempotency keys, named in one place."""

from __future__ import annotations

from handlers.cases.card_view import STANDARD_TIER

CARD_POST = "card.post"
CARD_POST_RESERVED = "card.post.reserved"  # a card that may take the channel's reserved slot (a tier above standard)
CARD_UPDATE = "card.update"
CARD_FOLLOWUP = "card.followup"
CARD_LOG = "card.log"  # a line in the card's thread: who did what
X_REPLY = "x.reply"  # a public reply on X
TICKET_CREATE = "ticket.create"
CHAT_DM = "chat.dm"  # a direct message (escalation)
CHAT_ANNOUNCE = "chat.announce"  # a message in the channel (the lead group called on, a spike alert)
PAGE = "page"  # trigger, acknowledge or resolve an on-call alert through the pager

# Card updates, thread lines of agents' actions and alerts go first; new cards and customers' follow-ups go by
# their case's queue rank.
URGENT_RANK = 1e15

# Lanes: the kinds that share one outside budget. A rate limit or an outage pauses its lane, not the others.
CHAT_CHANNEL = "chat.channel"  # posts in the care channel (Slack allows about one a second)
LANES: dict[str, str] = {
    CARD_POST: CHAT_CHANNEL,
    CARD_POST_RESERVED: "chat.channel.reserve",  # our own pace pausing the channel leaves these free to go
    CARD_FOLLOWUP: CHAT_CHANNEL,
    CARD_LOG: CHAT_CHANNEL,
    CHAT_ANNOUNCE: CHAT_CHANNEL,
    CARD_UPDATE: "chat.update",
    CHAT_DM: "chat.dm",
    X_REPLY: "social",
    TICKET_CREATE: "tickets",
    PAGE: "pager",
}
WAITS_FOR_CARD = frozenset({CARD_FOLLOWUP, CARD_LOG})  # thread lines: due once their card is out
POSTS_A_CARD = frozenset({CARD_POST, CARD_POST_RESERVED})


def card_post_kind(tier: str) -> str:
    """The kind of a new case's card: one of a tier above standard may use the channel's reserved slot."""
    return CARD_POST if tier == STANDARD_TIER else CARD_POST_RESERVED


def lane_of(kind: str) -> str:
    """The lane a kind of message travels in (an unknown kind travels alone)."""
    return LANES.get(kind, kind)


def kinds_in(lanes: set[str]) -> frozenset[str]:
    """Every known kind travelling in these lanes."""
    return frozenset(kind for kind, lane in LANES.items() if lane in lanes)


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


def card_log_key(complaint_id: int, version: int) -> str:
    """Idempotency key of the thread line for one version of a complaint."""
    return f"card.log:{complaint_id}:{version}"


def reply_key(complaint_id: int, version: int) -> str:
    """Idempotency key of a public reply (a new one for each attempt an agent makes)."""
    return f"x.reply:{complaint_id}:{version}"


def ticket_key(complaint_id: int, version: int) -> str:
    """Idempotency key of a ticket creation (a new one for each attempt an agent makes)."""
    return f"ticket.create:{complaint_id}:{version}"


def dm_key(purpose: str, complaint_id: int, at: str) -> str:
    """Idempotency key of a direct message about a complaint."""
    return f"chat.dm:{purpose}:{complaint_id}:{at}"


def page_key(alert: str, action: str, at: str) -> str:
    """Idempotency key of one pager call about an alert."""
    return f"page:{alert}:{action}:{at}"


def complaint_alert(complaint_id: int) -> str:
    """The pager's alert key for a complaint waiting for an owner (its dedup key)."""
    return f"squeaky-complaint-{complaint_id}"
