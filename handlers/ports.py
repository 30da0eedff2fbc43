"""The ports of the core: what it needs from storage, coordination and the outside world.

Adapters live in storage/ (SQL, Redis, in-process) and bot/ (Slack, X); the core
sees only these Protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from handlers.activity import ActivityLine
from handlers.card import CardView, FollowUpLine
from handlers.followups import OpenCase
from handlers.model import AuditEvent, CardRef, Change, Complaint, Message, NewCase, PublicReply, Ticket

# --- persistence -----------------------------------------------------------


class DuplicateKey(Exception):
    """A concurrent writer stored the same post first; the whole batch is rolled back and may be retried."""


@dataclass
class ThreadIndex:
    """Open cases by the tweets in them, by conversation and by author: what threading looks up."""

    by_tweet: dict[str, int]
    by_conversation: dict[str, int]
    by_author: dict[str, OpenCase]


class ComplaintRepository(Protocol):
    """Stored complaints (cases)."""

    def add_many(self, cases: list[NewCase]) -> list[int]:
        """Insert new cases; return their ids in the same order. Raises DuplicateKey on a unique-key race."""
        ...

    def get(self, complaint_id: int) -> Complaint | None:
        """Return the complaint, or None."""
        ...

    def compare_and_set(self, complaint: Complaint, change: Change) -> bool:
        """Apply `change` only if the row still has `complaint`'s status and version; True if it did."""
        ...

    def set_card(self, complaint_id: int, card: CardRef) -> None:
        """Remember where the complaint's card was posted."""
        ...

    def thread_index(
        self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]
    ) -> ThreadIndex:
        """Open cases that hold any of these tweets, conversations or (lower-cased) authors."""
        ...

    def count_followups(self, counts: dict[int, int]) -> dict[int, int]:
        """Add to cases' follow-up counts; return each case's new count."""
        ...

    def record_reply(self, complaint_id: int, reply: PublicReply) -> None:
        """Record how the public reply went (sent, with its link; or failed, with X's reason)."""
        ...

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        """Record how the ticket went (created, with its number and link; or failed, with the reason)."""
        ...

    def claimed_before(self, cutoff: datetime) -> list[int]:
        """Complaints still claimed (not acknowledged or ticketed) since before `cutoff`."""
        ...


class MessageRepository(Protocol):
    """Every post seen, once."""

    def known(self, source: str, external_ids: set[str]) -> set[str]:
        """Which of these ids are stored already."""
        ...

    def add_many(self, messages: list[Message]) -> None:
        """Store messages. Raises DuplicateKey when one is stored already (a concurrent writer won)."""
        ...

    def get(self, source: str, external_id: str) -> Message | None:
        """One stored message."""
        ...

    def filtered(self, limit: int) -> list[Message]:
        """The most recent posts the noise rules filtered out, newest first."""
        ...

    def filtered_counts(self) -> dict[str, int]:
        """How many posts each noise rule filtered out, all time."""
        ...

    def for_complaint(self, complaint_id: int) -> list[Message]:
        """Every post on a case (its opening, follow-ups, our replies), oldest first."""
        ...


class CustomerRepository(Protocol):
    """Customers known by handle, with their tier."""

    def tier_of(self, handle: str) -> str:
        """Return the customer's tier ("standard" when unknown)."""
        ...

    def tiers_of(self, handles: set[str]) -> dict[str, str]:
        """Tiers of the registered customers among `handles` (lower-cased keys); the others are standard."""
        ...

    def set_tier(self, handle: str, tier: str) -> None:
        """Register (or change) a customer's tier."""
        ...

    def registered(self) -> list[tuple[str, str]]:
        """Every registered customer's handle and tier, by handle."""
        ...


class AuditLog(Protocol):
    """The append-only audit trail."""

    def record(self, event: AuditEvent) -> None:
        """Append one event."""
        ...

    def for_complaint(self, complaint_id: int) -> list[AuditEvent]:
        """Return a complaint's events, oldest first."""
        ...


@dataclass(frozen=True)
class OutboxMessage:
    """A side effect decided inside a transaction, to be carried out after it commits."""

    id: int
    kind: str
    key: str
    complaint_id: int | None
    payload: Mapping[str, Any]
    attempts: int


@dataclass(frozen=True)
class NewOutboxMessage:
    """An outbox message to add."""

    kind: str
    key: str
    complaint_id: int | None
    payload: Mapping[str, Any]
    rank: float = 0.0


class Outbox(Protocol):
    """Side effects waiting to leave the building."""

    def enqueue(
        self, kind: str, key: str, complaint_id: int | None, payload: Mapping[str, Any], rank: float = 0.0
    ) -> None:
        """Add a message; a second message with the same idempotency key is ignored. Higher rank goes first."""
        ...

    def enqueue_many(self, messages: list[NewOutboxMessage]) -> None:
        """Add several messages at once (the same rules as `enqueue`)."""
        ...

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, complaint_id: int | None = None
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages for `lease_seconds` (nobody else gets them meanwhile)."""
        ...

    def mark_done(self, message_id: int, now: datetime) -> None:
        """The side effect happened."""
        ...

    def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        """The side effect failed; try again at `at`."""
        ...

    def give_up(self, message_id: int, now: datetime, error: str) -> None:
        """The side effect failed for good; keep the error for agents to see."""
        ...


class Checkpoints(Protocol):
    """Named positions in outside feeds (for example the newest tweet id seen)."""

    def get(self, name: str) -> str | None:
        """Return the checkpoint, or None."""
        ...

    def set(self, name: str, value: str) -> None:
        """Move the checkpoint."""
        ...


class UnitOfWork(Protocol):
    """One database transaction and the repositories that share it."""

    @property
    def complaints(self) -> ComplaintRepository:
        """Complaints (cases)."""
        ...

    @property
    def messages(self) -> MessageRepository:
        """Every post seen."""
        ...

    @property
    def customers(self) -> CustomerRepository:
        """Customers and their tiers."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit trail."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Side effects waiting to leave the building."""
        ...

    @property
    def checkpoints(self) -> Checkpoints:
        """Feed positions."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None:
        """Commit the transaction; leaving the block without commit rolls back."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class Clock(Protocol):
    """The time, as the core sees it (controllable in tests)."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


# --- coordination ----------------------------------------------------------


@dataclass(frozen=True)
class StreamEntry:
    """One delivery from the stream; ack it by id once handled."""

    id: str
    payload: Mapping[str, Any]
    deliveries: int = 1


class StreamQueue(Protocol):
    """A durable stream with a consumer group: at-least-once delivery to many consumers."""

    def add(self, payload: Mapping[str, Any]) -> str:
        """Append an entry; return its id."""
        ...

    def add_many(self, payloads: list[Mapping[str, Any]]) -> list[str]:
        """Append entries all together or not at all; return their ids."""
        ...

    def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """Deliver up to `count` new entries to `consumer`, waiting up to `block_ms` for one."""
        ...

    def ack(self, entry_ids: list[str]) -> None:
        """Mark entries handled."""
        ...

    def own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        """Entries delivered to `consumer` and not acknowledged (it failed mid-batch and is trying again)."""
        ...

    def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries another consumer left unacknowledged for at least `min_idle_ms`."""
        ...

    def pending(self) -> int:
        """Count delivered entries not yet acknowledged."""
        ...

    def epoch(self) -> str:
        """An id that changes whenever the stream is lost and created anew."""
        ...

    def is_done(self, entry_id: str) -> bool:
        """True when `entry_id` and every entry before it were delivered and acknowledged."""
        ...


class Locks(Protocol):
    """Named locks that expire on their own."""

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """Take the lock; return a token to release it with, or None if someone holds it."""
        ...

    def release(self, name: str, token: str) -> bool:
        """Release the lock if `token` still holds it."""
        ...


class RateLimiter(Protocol):
    """Rate limits keyed by name, shared by every process that shares the backend."""

    def acquire(self, key: str, per_second: float, burst: int) -> float:
        """Take one slot; return 0 if taken, else the seconds to wait before asking again."""
        ...

    def block(self, key: str, seconds: float) -> None:
        """Refuse every slot under `key` for `seconds` (the other side said Retry-After), in every process."""
        ...


class Dedupe(Protocol):
    """A set of keys seen recently: a fast first check before the database's unique keys.

    Remember a key only once its work is committed, so a crash in between never
    makes a redelivery look like a duplicate.
    """

    def seen(self, keys: list[str]) -> set[str]:
        """Which of `keys` are remembered and not expired."""
        ...

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        """Remember `keys` for about `ttl_seconds` (an implementation may answer for a shorter or longer time:
        it is a fast path, and the database's unique keys stay the last word)."""
        ...


# --- the outside world -----------------------------------------------------


class DeliveryFailed(Exception):
    """A gateway could not deliver a side effect; says whether and when to try again."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


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


@dataclass(frozen=True)
class PostedReply:
    """A reply that is out on the social network."""

    post_id: str
    url: str | None


class SocialGateway(Protocol):
    """The social network we reply on (X now)."""

    def reply(self, in_reply_to: str, text: str) -> PostedReply:
        """Post `text` as a reply; raise DeliveryFailed saying whether and when to try again."""
        ...

    def find_reply(self, in_reply_to: str, text: str) -> PostedReply | None:
        """Our reply with this text to that post, if an earlier attempt did post it."""
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
