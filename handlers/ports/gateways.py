"""Gateway ports: the outside world as the core needs it (a chat surface, a social network, a ticketing system)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.cases.activity import ActivityLine
from handlers.cases.card_view import CardView, FollowUpLine
from handlers.cases.model import CardRef

PACING = "pacing"  # how a DeliveryFailed that is our own pace (not the outside saying no) begins its reason


class DeliveryFailed(Exception):
    """A gateway could not deliver a side effect; says whether and when to try again.

    - `permanent`: no retry will help (the outside refused this message).
    - `throttled`: the outside asked us to slow down (a rate limit, ours or theirs); nothing was sent.
      Waiting is not failing: no failure is counted, and the message's lane pauses until `retry_after`.
    - `outage`: the outside is down or did not answer (5xx, unreachable, a timeout). No failure is counted
      either, and the lane pauses with a growing backoff. The try may have landed, so the next one looks first.
    - otherwise: a failure of this message, counted; it gives up after MAX_FAILURES.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        throttled: bool = False,
        outage: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.throttled = throttled
        self.outage = outage

    @property
    def counts(self) -> bool:
        """Whether this failure counts towards giving up (rate limits and outages do not)."""
        return not (self.throttled or self.outage)


class Deferred(Exception):
    """Not yet: this message waits for another one (a line for a card's thread waits for the card)."""


class ChatGateway(Protocol):
    """A chat surface (Slack now, Teams later) as the core needs it."""

    def post_card(self, card: CardView) -> CardRef:
        """Post a new card; return where it lives."""
        ...

    def update_card(self, ref: CardRef, card: CardView) -> None:
        """Replace a card's content for everyone."""
        ...

    def find_card(self, complaint_id: int, since: datetime) -> CardRef | None:
        """The complaint's card if one was posted after `since` (a post whose answer was lost), else None."""
        ...

    def tell(self, ref: CardRef, user_id: str, text: str) -> None:
        """Say something to one user only, next to the card."""
        ...

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        """Add a customer's follow-up under the card, in its thread."""
        ...

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        """Add a line of history (who did what) under the card, in its thread."""
        ...

    def notify(self, user_id: str, text: str, ref: CardRef | None) -> None:
        """Send a person a direct message, with a link to the card when there is one."""
        ...

    def permalink(self, ref: CardRef) -> str | None:
        """A link to the card that opens it for anyone in the workspace."""
        ...

    def announce(self, text: str, *, leads: bool = False, ref: CardRef | None = None) -> CardRef:
        """Post a message in the channel (calling on the team leads when `leads`); return where it lives.

        With `ref`, replace that earlier announcement instead (an alert whose count moved on).
        """
        ...


class Pager(Protocol):
    """Who wakes on-call: a chat direct message by default, or an incident tool. Keys make each call idempotent."""

    def trigger(self, key: str, summary: str, user: str | None, link: str | None) -> None:
        """Raise (or re-raise) the alert `key` for the on-call person `user`."""
        ...

    def acknowledge(self, key: str) -> None:
        """Someone took the alert on."""
        ...

    def resolve(self, key: str) -> None:
        """The alert's cause is gone."""
        ...


@dataclass(frozen=True)
class PostedReply:
    """A reply that is out on the social network."""

    post_id: str
    url: str | None


@dataclass(frozen=True)
class PostLength:
    """A post's length as its network counts it."""

    length: int
    limit: int
    links: int

    @property
    def over(self) -> int:
        """How far past the limit it is (0 when it fits)."""
        return max(0, self.length - self.limit)


class LengthRule(Protocol):
    """How a network counts a post's length."""

    rule: str  # how it counts, in a few words, for the reply form: "the way X counts them (…)"

    def measure(self, text: str) -> PostLength:
        """The post's length, its network's limit, and its links."""
        ...


class SocialGateway(Protocol):
    """The social network we reply on (X now)."""

    def reply(self, in_reply_to: str, text: str, since: datetime) -> PostedReply:
        """Post `text` as a reply (decided at `since`); raise DeliveryFailed saying whether and when to try again.

        A network that refuses the text as already posted answers with the earlier post instead.
        """
        ...

    def find_reply(self, in_reply_to: str, since: datetime) -> PostedReply | None:
        """Our reply to that post made since `since`, if an earlier attempt did post it."""
        ...


@dataclass(frozen=True)
class TicketRequest:
    """Everything a ticket carries: the whole conversation and a way back to the card."""

    complaint_id: int
    key: str  # idempotency key: the same request twice makes one ticket
    subject: str
    priority: str
    notes: str
    contact: str
    customer_handle: str
    customer_name: str
    source: str
    post_url: str | None
    card_url: str | None
    conversation: list[tuple[str, str, datetime]]  # (author handle, text, when), oldest first


@dataclass(frozen=True)
class TicketRef:
    """A created ticket: its number as agents say it, and a link."""

    number: str
    url: str | None


class TicketGateway(Protocol):
    """A system of record for tickets (built-in, Zendesk, a webhook)."""

    @property
    def system(self) -> str:
        """The system's name, shown on the card."""
        ...

    def create(self, request: TicketRequest) -> TicketRef:
        """Create the ticket; raise DeliveryFailed saying whether and when to try again."""
        ...
