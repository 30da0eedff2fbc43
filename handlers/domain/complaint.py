"""The complaint model: what a complaint is, who acts on it, and what the audit trail records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where a complaint stands in its lifecycle."""

    NEW = "new"
    CLAIMED = "claimed"
    ACKNOWLEDGED = "acknowledged"
    TICKETED = "ticketed"
    CLOSED = "closed"
    DISMISSED = "dismissed"
    MERGED = "merged"


class Action(StrEnum):
    """What an agent (or the system) can do to a complaint."""

    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    ACKNOWLEDGE = "acknowledge"
    TICKET = "ticket"
    CLOSE = "close"
    DISMISS = "dismiss"
    MERGE = "merge"
    ESCALATE = "escalate"
    EXPIRE = "expire"  # the system takes back a claim nobody acted on in time
    MOVE = "move"  # to another queue (its card moves to that queue's channel)
    INCIDENT_REPLY = "incident_reply"  # a lead's one public acknowledgement of an incident, to each of its complaints
    PRIVATE = "private"  # open a private conversation with the customer on their network ("Move to DMs")
    PRIVATE_REPLY = "private_reply"  # answer the customer in that private conversation ("Reply privately")


class Role(StrEnum):
    """What someone may do: agents act on complaints, leads may also reassign anyone's claim."""

    AGENT = "agent"
    LEAD = "lead"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Someone (or something) acting on a complaint, from one surface ("slack", "teams", "system").

    `id` is the person's key (handlers.people), the same whichever chat tool they use; `handles`
    are their ids on each surface, which a face needs to mention them.
    """

    id: str
    name: str
    surface: str
    roles: frozenset[Role] = frozenset({Role.AGENT})
    handles: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)


SYSTEM = Actor(id="squeaky", name="Squeaky", surface="system", roles=frozenset({Role.SYSTEM}))


class Delivery(StrEnum):
    """Where a side effect that leaves the building stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class PublicReply:
    """Our public reply on the complaint's post."""

    text: str
    status: Delivery
    post_id: str | None = None
    url: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class PrivateHandoff:
    """Our first private message about the case (an X direct message, a Bluesky chat, a Mastodon direct post): its
    text, where it stands, and the conversation it opened there, or the network's refusal."""

    text: str
    status: Delivery
    conversation_id: str | None = None
    message_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Ticket:
    """The ticket a complaint moved to, in the system of record."""

    system: str
    subject: str
    status: Delivery
    number: str | None = None
    url: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class IncomingComplaint:
    """A complaint as any source delivers it, normalized: the one shape the stream carries."""

    source: str
    external_id: str
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    url: str | None = None
    conversation_id: str | None = None
    in_reply_to_id: str | None = None
    mentions_us: bool = True
    replies_to_other_user: bool = False  # a reply to someone else's post (not ours, not the author's own)
    is_retweet: bool = False
    quotes_us: bool = False
    from_brand: bool = False
    author_followers: int | None = None
    post_cid: str | None = None  # the network's content hash of the post, where a reply must name it (Bluesky)
    visibility: str | None = None  # who may see the post, where the network says (Mastodon); None: everyone
    author_url: str | None = None  # the author's profile, where the network gives its address (Mastodon)


# A post's `visibility` when it came through a network's private channel (an X direct message, a Bluesky chat
# message); Mastodon's "direct" statuses are private too. Private messages are shown only in a card's thread.
PRIVATE_CHANNEL = "dm"
PRIVATE_VISIBILITIES = frozenset({PRIVATE_CHANNEL, "direct"})


@dataclass(frozen=True)
class CardRef:
    """Where one card of a complaint lives: a chat surface, a channel there, and the surface's own reference to the
    message (a Slack timestamp; a Teams conversation, activity and service address), opaque to the core."""

    surface: str
    channel: str
    data: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Complaint:
    """A stored complaint with its current state."""

    id: int
    source: str
    external_id: str
    author_id: str
    author_handle: str
    author_name: str
    text: str
    created_at: datetime
    received_at: datetime
    status: Status
    version: int
    tier: str = "standard"
    url: str | None = None
    conversation_id: str | None = None
    in_reply_to_id: str | None = None
    mentions_us: bool = True
    post_cid: str | None = None  # the network's content hash of the post (Bluesky), for a threaded reply
    visibility: str | None = None  # who may see the post (Mastodon's "public", "unlisted", "private", "direct")
    author_url: str | None = None  # the author's profile, where the network gives its address (Mastodon)
    owner: Actor | None = None
    claimed_at: datetime | None = None
    cards: tuple[CardRef, ...] = ()  # one per surface and channel it was posted to
    topic: str = "other"
    topic_by: str = "rule"  # which decided the topic: "rule" (the keyword rules) or "learned" (the topic model)
    skill_group: str | None = None
    priority: int = 0
    priority_reasons: tuple[str, ...] = ()
    noise_rule: str | None = None
    followup_count: int = 0
    reply: PublicReply | None = None
    ticket: Ticket | None = None
    private: PrivateHandoff | None = None  # the private conversation we opened, if any
    dismiss_reason: str | None = None
    merged_into: int | None = None
    first_claimed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    ticketed_at: datetime | None = None
    resolved_at: datetime | None = None
    sla_stage: int = 0  # escalations sent in this wait for an owner (see handlers.domain.sla.Stage)
    paged_alone: bool = False  # on-call was paged for this complaint itself in this wait (on arrival)
    requeued_at: datetime | None = None  # when it last went back to the queue (a release, an expired claim)
    queue: str = "care"  # the segment of the work it landed on (handlers.queues)
    posted_at: datetime | None = None  # when the customer posted, never later than received_at (None: as received)
    fingerprint: str | None = None  # its near-duplicate keys (handlers.intake.surges), when similarity is on

    def card_on(self, surface: str) -> CardRef | None:
        """Its card on that surface, if one is out."""
        return next((card for card in self.cards if card.surface == surface), None)

    @property
    def waiting_since(self) -> datetime:
        """When its current wait for an owner began: the customer's post, or going back to the queue."""
        return self.requeued_at or self.posted_at or self.received_at

    def changed(self, change: Change) -> Complaint:
        """Return this complaint as it stands after `change` (one version later)."""
        updated = replace(self, status=change.status, version=self.version + 1)
        if change.requeues(self):  # a new wait for an owner: its own service level ladder
            updated = replace(updated, sla_stage=0, paged_alone=False, requeued_at=change.at)
        if change.clear_owner:
            updated = replace(updated, owner=None, claimed_at=None)
        elif change.owner is not None:
            updated = replace(updated, owner=change.owner, claimed_at=change.claimed_at)
        for name in ("reply", "ticket", "private", "dismiss_reason", "merged_into", "queue", "tier"):
            if getattr(change, name) is not None:
                updated = replace(updated, **{name: getattr(change, name)})
        reached = change.milestones(self)
        return replace(
            updated,
            first_claimed_at=reached.get("first_claimed_at", self.first_claimed_at),
            acknowledged_at=reached.get("acknowledged_at", self.acknowledged_at),
            ticketed_at=reached.get("ticketed_at", self.ticketed_at),
            resolved_at=reached.get("resolved_at", self.resolved_at),
        )


@dataclass(frozen=True)
class Change:
    """The new values a transition writes: a status, an owner when it changes, and what the action records."""

    status: Status
    owner: Actor | None = None
    claimed_at: datetime | None = None
    clear_owner: bool = False
    reply: PublicReply | None = None
    ticket: Ticket | None = None
    private: PrivateHandoff | None = None
    dismiss_reason: str | None = None
    merged_into: int | None = None
    queue: str | None = None  # moved to this queue
    tier: str | None = None  # its customer's tier changed
    at: datetime | None = None  # when it was decided

    def requeues(self, before: Complaint) -> bool:
        """Whether this change puts a complaint that had an owner back in the queue."""
        return self.status is Status.NEW and before.status is not Status.NEW and self.at is not None

    def milestones(self, before: Complaint) -> dict[str, datetime]:
        """The milestones this change reaches for the first time (first claim, public reply, ticket, resolution)."""
        if self.at is None:
            return {}
        reached = {
            "first_claimed_at": self.owner is not None,
            "acknowledged_at": self.reply is not None,
            "ticketed_at": self.ticket is not None,
            "resolved_at": self.status in (Status.CLOSED, Status.DISMISSED, Status.MERGED),
        }
        return {name: self.at for name, hit in reached.items() if hit and getattr(before, name) is None}


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail: who did what to which complaint (none for team settings), when and where."""

    complaint_id: int | None
    actor: Actor
    action: str
    from_status: Status | None
    to_status: Status | None
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


class MessageKind(StrEnum):
    """What a stored message is to its case."""

    OPENING = "opening"
    FOLLOWUP = "followup"
    BRAND = "brand"  # our own post, a reply on a case
    FILTERED = "filtered"


@dataclass(frozen=True)
class NewCase:
    """A complaint that opens a case, with its triage."""

    incoming: IncomingComplaint
    received_at: datetime
    tier: str
    topic: str
    skill_group: str | None
    priority: int
    priority_reasons: tuple[str, ...]
    queue_rank: float
    noise_rule: str | None = None
    queue: str = "care"
    topic_by: str = "rule"  # which decided the topic: "rule" or "learned"
    channels: Mapping[str, str] = field(default_factory=dict, hash=False)  # its queue's channel on each chat tool
    fingerprint: str | None = None  # its near-duplicate keys, when similarity is on

    @property
    def posted_at(self) -> datetime:
        """When the customer posted, as the queue counts it (see posted_time)."""
        return posted_time(self.incoming.created_at, self.received_at)


# How much earlier than its arrival a post may count as posted: a burst read over several pages or polls, or a poll
# catching up after a short outage, keeps its customers' order; a replay of old posts or a clock far behind does not
# jump the whole queue, nor page on-call the moment it arrives.
POSTED_WITHIN = timedelta(minutes=30)


def posted_time(created_at: datetime, received_at: datetime) -> datetime:
    """The customer's posting time as the queue counts it: the network's, but never after Squeaky had the post (a
    clock ahead cannot jump the queue) and never more than POSTED_WITHIN before."""
    return min(max(created_at, received_at - POSTED_WITHIN), received_at)


@dataclass(frozen=True)
class Message:
    """A post as stored: which case it belongs to (if any), what it is, and a note on why."""

    incoming: IncomingComplaint
    kind: MessageKind
    received_at: datetime
    complaint_id: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class OpenCase:
    """What threading needs to know of an open case."""

    id: int
    created_at: datetime  # when the customer first tweeted about it
