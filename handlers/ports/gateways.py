"""Gateway ports: the outside world as the core needs it (a social network, a ticketing system, a pager); the chat
tools are in handlers.ports.surfaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from handlers.domain.complaint import Complaint

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


class SourceRules(Protocol):
    """What one social source allows: whether we may reply publicly to a post, how it counts a reply's length, and
    what a reply costs. The card and the forms ask the source; the rule is written once, with the source."""

    @property
    def network(self) -> str:
        """Its name as agents know it ("X")."""
        ...

    @property
    def length(self) -> LengthRule:
        """How it counts a post's length."""
        ...

    @property
    def not_allowed(self) -> str:
        """Why a public reply is not possible, when it is not, in a sentence."""
        ...

    @property
    def not_allowed_short(self) -> str:
        """The same in a few words, for the card's triage line ("it does not mention us")."""
        ...

    @property
    def private_channel(self) -> str:
        """How Squeaky reaches a customer privately there, in a few words ("direct messages"); "" where it cannot."""
        ...

    def profile_url(self, complaint: Complaint) -> str | None:
        """The public address of the complaint's author's profile on this network, when there is one."""
        ...

    def reply_allowed(self, complaint: Complaint) -> bool:
        """Whether we may reply publicly to this complaint's post."""
        ...

    def cost(self, measured: PostLength) -> float:
        """What posting a reply of this length costs, in dollars."""
        ...

    @property
    def posting_limit(self) -> tuple[int, float] | None:
        """How many posts it lets our account make per how many seconds (None: no limit Squeaky knows of)."""
        ...


class SocialGateway(Protocol):
    """One social network we reply on (X, Bluesky, Mastodon), as the brand account."""

    def reply(self, to: Complaint, text: str, since: datetime) -> PostedReply:
        """Post `text` as a threaded reply to the complaint's post (decided at `since`); raise DeliveryFailed saying
        whether and when to try again.

        A network that refuses the text as already posted answers with the earlier post instead.
        """
        ...

    def find_reply(self, to: Complaint, since: datetime) -> PostedReply | None:
        """Our reply to the complaint's post made since `since`, if an earlier attempt did post it."""
        ...

    def post(self, text: str) -> PostedReply | None:
        """A post of our own, to everyone (an incident's status update); None when the network says it is already
        out (an earlier attempt landed)."""
        ...


OURS = "us"  # the author of our own messages in a case's conversation (our replies, our private messages)


class Said(NamedTuple):
    """One line of a case's conversation as a ticket carries it; `private`: said away from the public timeline (a
    direct message, a chat message, a direct post), by the customer or by us (author OURS)."""

    author: str
    text: str
    at: datetime
    private: bool = False


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
    conversation: list[Said]  # oldest first


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

    def add_comment(self, comment: TicketAddition, *, again: bool) -> None:
        """Add a line of the case's private conversation to its ticket's conversation; raise DeliveryFailed saying
        whether and when to try again (`again`: an earlier try may have landed; look for it before adding)."""
        ...


@dataclass(frozen=True)
class TicketAddition:
    """A private message added to a ticket's conversation after the ticket was made: the customer's answer, or ours
    (`said.author` OURS). `key`: the same for every try, one per message."""

    complaint_id: int
    key: str
    ticket: str  # the ticket's number as the system gave it ("SQ-1", "#1001", "WH-7")
    ticket_url: str | None
    source: str
    said: Said

    @property
    def ours(self) -> bool:
        """Whether we said it (an agent's private answer, our opening, the satisfaction question)."""
        return self.said.author == OURS
