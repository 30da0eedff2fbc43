"""The card: a platform-neutral picture of a complaint that each chat surface renders its own way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.cases.model import Action, Actor, Complaint, Delivery, PublicReply, Status, Ticket
from handlers.ports.gateways import SourceRules
from handlers.text.timeago import ago

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
    skill_group: str | None = None
    priority: int = 0
    priority_reasons: tuple[str, ...] = ()
    noise_rule: str | None = None
    followup_count: int = 0
    public_reply_allowed: bool = True  # whether the source lets us reply publicly (handlers.cases.sources)
    reply: PublicReply | None = None
    ticket: Ticket | None = None
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


def moved(card: CardView, title: str, link: str | None) -> CardView:
    """The old card of a complaint that moved to another queue: a pointer to its card there, no buttons."""
    return CardView(
        card.complaint_id, card.author_name, card.author_handle, card.tier, card.text, card.url, card.created_at,
        card.posted_ago, card.status, card.owner, card.owner_since, (), queue=card.queue, moved_to=title,
        moved_link=link, network=card.network, profile_url=card.profile_url,
    )  # fmt: skip


def actions_for(complaint: Complaint, can_reply: bool = True) -> tuple[tuple[Action, ...], tuple[Action, ...]]:
    """The buttons a card shows now, and the actions behind its "more" menu (`can_reply`: whether its source lets
    us reply publicly)."""
    status, reply, ticket = complaint.status, complaint.reply, complaint.ticket
    reply_open = reply is None or reply.status is Delivery.FAILED
    ticket_retry = ticket is not None and ticket.status is Delivery.FAILED
    if status is Status.NEW:
        return (Action.CLAIM,), (Action.DISMISS, Action.MERGE, Action.ESCALATE)
    if status is Status.CLAIMED:
        primary = (Action.ACKNOWLEDGE,) if can_reply else ()
        return (*primary, Action.TICKET, Action.RELEASE), (
            Action.REASSIGN,
            Action.DISMISS,
            Action.MERGE,
            Action.ESCALATE,
        )
    if status is Status.ACKNOWLEDGED:
        primary = (Action.ACKNOWLEDGE,) if reply_open and can_reply else ()
        return (*primary, Action.TICKET, Action.CLOSE), (Action.REASSIGN, Action.MERGE, Action.ESCALATE)
    if status is Status.TICKETED:
        retry = (Action.TICKET,) if ticket_retry else ()
        primary = (Action.ACKNOWLEDGE,) if reply_open and can_reply else ()
        return (*retry, *primary, Action.CLOSE), (Action.REASSIGN, Action.MERGE, Action.ESCALATE)
    return (), ()


def card_for(
    complaint: Complaint, now: datetime, *, reply_allowed: bool = True, source: SourceRules | None = None
) -> CardView:
    """Build the card of `complaint` as it stands at `now`; its source's rules say whether a public reply is possible
    and name the network (without them: `reply_allowed`, on X)."""
    if source is not None:
        reply_allowed = source.reply_allowed(complaint)
    actions, more = actions_for(complaint, reply_allowed)
    return CardView(
        complaint_id=complaint.id,
        author_name=complaint.author_name,
        author_handle=complaint.author_handle,
        tier=complaint.tier,
        text=complaint.text,
        url=complaint.url,
        created_at=complaint.created_at,
        posted_ago=ago(complaint.created_at, now),
        status=complaint.status,
        owner=complaint.owner,
        owner_since=ago(complaint.claimed_at, now) if complaint.claimed_at else None,
        actions=actions,
        topic=complaint.topic,
        skill_group=complaint.skill_group,
        priority=complaint.priority,
        priority_reasons=complaint.priority_reasons,
        noise_rule=complaint.noise_rule,
        followup_count=complaint.followup_count,
        public_reply_allowed=reply_allowed,
        reply=complaint.reply,
        ticket=complaint.ticket,
        dismiss_reason=complaint.dismiss_reason,
        merged_into=complaint.merged_into,
        more=more,
        uses_reserve=complaint.tier != STANDARD_TIER,
        queue=complaint.queue,
        ticket_page=complaint.ticket is not None
        and complaint.ticket.status is Delivery.SENT
        and complaint.ticket.url is None
        and complaint.ticket.number is not None,
        network=source.network if source is not None else "X",
        profile_url=source.profile_url(complaint) if source is not None else None,
        no_reply_because=source.not_allowed_short if source is not None else "it does not mention us",
    )


@dataclass(frozen=True)
class FollowUpLine:
    """A customer's follow-up, shown in the card's thread (raw outside text; renderers escape it)."""

    author_handle: str
    text: str
    reason: str
    url: str | None
