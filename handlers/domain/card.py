"""The card: a platform-neutral picture of a complaint that each chat surface renders its own way, and the lines in
its thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.domain.complaint import Action, Actor, PrivateHandoff, PublicReply, Status, Ticket

STANDARD_TIER = "standard"  # every other tier (vip, elite) is a registered customer's desk


@dataclass(frozen=True)
class CardView:
    """What a card shows; raw outside text, which each renderer must escape for its surface."""

    complaint_id: int
    author_name: str
    author_handle: str
    tier: str
    text: str
    url: str | None
    created_at: datetime
    posted_ago: str
    status: Status
    owner: Actor | None
    owner_since: str | None
    actions: tuple[Action, ...]
    topic: str = "other"
    topic_by: str = "rule"  # which decided the topic: "rule" (the keyword rules) or "learned" (the topic model)
    skill_group: str | None = None
    priority: int = 0
    priority_reasons: tuple[str, ...] = ()
    noise_rule: str | None = None
    followup_count: int = 0
    public_reply_allowed: bool = True  # whether the source lets us reply publicly (handlers.cases.sources)
    reply: PublicReply | None = None
    ticket: Ticket | None = None
    private: PrivateHandoff | None = None  # the private conversation we opened with the customer
    private_channel: str = ""  # how the network lets us reach the customer privately ("" where it does not)
    dismiss_reason: str | None = None
    merged_into: int | None = None
    more: tuple[Action, ...] = ()  # less frequent actions, behind a "more" menu
    uses_reserve: bool = False  # a tier above standard: its card may take the channel's reserved slot, not wait
    ticket_page: bool = False  # the ticket lives in Squeaky: "Open ticket" makes a short-lived link to its page
    queue: str = "care"  # the queue it landed on
    moved_to: str | None = None  # this card is the old one: the complaint moved to this queue (its title) ...
    moved_link: str | None = None  # ... where its card is now
    network: str = "X"  # the network it was posted on, as agents know it
    profile_url: str | None = None  # the customer's profile there
    no_reply_because: str = "it does not mention us"  # when a public reply is not possible, in a few words


@dataclass(frozen=True)
class FollowUpLine:
    """A customer's follow-up, shown in the card's thread (raw outside text; renderers escape it)."""

    author_handle: str
    text: str
    reason: str
    url: str | None
