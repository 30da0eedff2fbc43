"""The card: a platform-neutral picture of a complaint that each chat surface renders its own way."""

from __future__ import annotations

from datetime import datetime

from handlers.domain.card import STANDARD_TIER, CardView
from handlers.domain.complaint import Action, Complaint, Delivery, Status
from handlers.ports.gateways import SourceRules
from handlers.text.timeago import ago


def moved(card: CardView, title: str, link: str | None) -> CardView:
    """The old card of a complaint that moved to another queue: a pointer to its card there, no buttons."""
    return CardView(
        card.complaint_id, card.author_name, card.author_handle, card.tier, card.text, card.url, card.created_at,
        card.posted_ago, card.status, card.owner, card.owner_since, (), queue=card.queue, moved_to=title,
        moved_link=link, network=card.network, profile_url=card.profile_url,
    )  # fmt: skip


def actions_for(
    complaint: Complaint, can_reply: bool = True, can_dm: bool = False
) -> tuple[tuple[Action, ...], tuple[Action, ...]]:
    """The buttons a card shows now, and the actions behind its "more" menu (`can_reply`: whether its source lets
    us reply publicly; `can_dm`: whether it gives us a private channel to the customer)."""
    status, reply, ticket = complaint.status, complaint.reply, complaint.ticket
    reply_open = reply is None or reply.status is Delivery.FAILED
    ticket_retry = ticket is not None and ticket.status is Delivery.FAILED
    dm_open = complaint.private is None or complaint.private.status is Delivery.FAILED
    dm_sent = complaint.private is not None and complaint.private.status is Delivery.SENT
    dm = (Action.PRIVATE,) if can_dm and dm_open else (Action.PRIVATE_REPLY,) if can_dm and dm_sent else ()
    if status is Status.NEW:
        return (Action.CLAIM,), (Action.DISMISS, Action.MERGE, Action.ESCALATE)
    if status is Status.CLAIMED:
        primary = (Action.ACKNOWLEDGE,) if can_reply else ()
        return (*primary, Action.TICKET, *dm, Action.RELEASE), (
            Action.REASSIGN,
            Action.DISMISS,
            Action.MERGE,
            Action.ESCALATE,
        )
    if status is Status.ACKNOWLEDGED:
        primary = (Action.ACKNOWLEDGE,) if reply_open and can_reply else ()
        return (*primary, Action.TICKET, *dm, Action.CLOSE), (Action.REASSIGN, Action.MERGE, Action.ESCALATE)
    if status is Status.TICKETED:
        retry = (Action.TICKET,) if ticket_retry else ()
        primary = (Action.ACKNOWLEDGE,) if reply_open and can_reply else ()
        return (*retry, *primary, *dm, Action.CLOSE), (Action.REASSIGN, Action.MERGE, Action.ESCALATE)
    return (), ()


def card_for(
    complaint: Complaint, now: datetime, *, reply_allowed: bool = True, source: SourceRules | None = None
) -> CardView:
    """Build the card of `complaint` as it stands at `now`; its source's rules say whether a public reply is possible
    and name the network (without them: `reply_allowed`, on X)."""
    if source is not None:
        reply_allowed = source.reply_allowed(complaint)
    private_channel = source.private_channel if source is not None else ""
    actions, more = actions_for(complaint, reply_allowed, bool(private_channel))
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
        topic_by=complaint.topic_by,
        skill_group=complaint.skill_group,
        priority=complaint.priority,
        priority_reasons=complaint.priority_reasons,
        noise_rule=complaint.noise_rule,
        followup_count=complaint.followup_count,
        public_reply_allowed=reply_allowed,
        reply=complaint.reply,
        ticket=complaint.ticket,
        private=complaint.private,
        private_channel=private_channel,
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
