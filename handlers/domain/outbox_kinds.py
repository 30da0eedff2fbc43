"""The kinds of outbox messages, named in one place: each a typed class (handlers.domain.outbox_chat for chat tools,
handlers.domain.outbox_effects for the rest), read back from its stored name and payload by `parse`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.domain.outbox_chat import (
    Announcement,
    CardFollowUp,
    CardMove,
    CardPost,
    CardUpdate,
    DirectMessage,
    ThreadLine,
)
from handlers.domain.outbox_effects import (
    IncidentReplies,
    Page,
    PrivateMessage,
    SocialReply,
    StatusPost,
    TicketComment,
    TicketCreate,
    complaint_alert,
)
from handlers.domain.outbox_message import DEFAULT_CHANNEL, URGENT_RANK, ChatMessage, Outgoing, UnreadableMessage

__all__ = [
    "AFTER_VIP_CARDS",
    "DEFAULT_CHANNEL",
    "FORMER_NAMES",
    "KINDS",
    "POSTS_A_CARD",
    "URGENT_RANK",
    "VIP_CARD_GATE_SECONDS",
    "WAITS_FOR_CARD",
    "Announcement",
    "CardFollowUp",
    "CardMove",
    "CardPost",
    "CardUpdate",
    "ChatMessage",
    "DirectMessage",
    "IncidentReplies",
    "Outgoing",
    "Page",
    "PrivateMessage",
    "SocialReply",
    "StatusPost",
    "ThreadLine",
    "TicketComment",
    "TicketCreate",
    "UnreadableMessage",
    "complaint_alert",
    "parse",
]

_CLASSES: tuple[type[Outgoing], ...] = (
    CardPost,
    CardUpdate,
    CardFollowUp,
    ThreadLine,
    CardMove,
    DirectMessage,
    Announcement,
    SocialReply,
    PrivateMessage,
    StatusPost,
    TicketCreate,
    TicketComment,
    Page,
    IncidentReplies,
)
KINDS: dict[str, type[Outgoing]] = {cls.KIND: cls for cls in _CLASSES} | {CardPost.RESERVED_KIND: CardPost}

# The names kinds were stored under before they said what they are (migration 0014 renames the rows; a row an
# older worker writes during an upgrade is still read).
FORMER_NAMES: dict[str, str] = {
    "x.reply": SocialReply.KIND,
    "x.status": StatusPost.KIND,
    "card.log": ThreadLine.KIND,
    "chat.dm": DirectMessage.KIND,
    "chat.announce": Announcement.KIND,
    "page": Page.KIND,
}

# Stored names the storage's queries select on.
POSTS_A_CARD = frozenset({CardPost.KIND, CardPost.RESERVED_KIND})
WAITS_FOR_CARD = frozenset(
    name for name, cls in KINDS.items() if issubclass(cls, ChatMessage) and cls.WAITS_FOR_CARD
)  # thread lines: due once their card is out
# Alerts never go out ahead of a VIP card decided before them: they wait while an older one is still to be posted,
# unless it has waited this long (a chat tool down must not hold the pager back).
AFTER_VIP_CARDS = frozenset({Page.KIND, Announcement.KIND})
VIP_CARD_GATE_SECONDS = 30.0


def parse(kind: str, payload: Mapping[str, Any]) -> Outgoing:
    """A stored message as its typed class; UnreadableMessage if its kind is unknown or its payload incomplete."""
    cls = KINDS.get(FORMER_NAMES.get(kind, kind))
    if cls is None:
        raise UnreadableMessage(f"unknown outbox kind {kind!r}")
    try:
        return cls.from_payload(payload, FORMER_NAMES.get(kind, kind))
    except (KeyError, TypeError, ValueError) as exc:
        raise UnreadableMessage(f"outbox message of kind {kind!r} cannot be read: {exc!r}") from exc
