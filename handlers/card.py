"""The card: a platform-neutral picture of a complaint that each chat surface renders its own way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.model import Action, Actor, Complaint, Status
from handlers.timeago import ago


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
    public_reply_allowed: bool = True  # X lets us reply only to posts that mention or quote us


def card_for(complaint: Complaint, now: datetime) -> CardView:
    """Build the card of `complaint` as it stands at `now`."""
    if complaint.status is Status.NEW:
        actions: tuple[Action, ...] = (Action.CLAIM,)
    elif complaint.status is Status.CLAIMED:
        actions = (Action.RELEASE,)
    else:
        actions = ()
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
        public_reply_allowed=complaint.mentions_us or complaint.source != "x",
    )


@dataclass(frozen=True)
class FollowUpLine:
    """A customer's follow-up, shown in the card's thread (raw outside text; renderers escape it)."""

    author_handle: str
    text: str
    reason: str
    url: str | None
