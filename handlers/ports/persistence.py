"""The persistence ports of the core: repositories, the unit of work, the clock.

Coordination ports are in handlers/coordination.py and the outside world's in
handlers/gateways.py. Adapters live in storage/ (SQL, Redis, in-process) and bot/
(Slack, X, ticketing); the core sees only these Protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from handlers.cases.model import AuditEvent, CardRef, Change, Complaint, Message, NewCase, PublicReply, Ticket
from handlers.intake.follow_ups import OpenCase
from handlers.people.model import Erased, Identity, Person
from handlers.ports.surges import Surges
from handlers.ports.team import TeamSettings, TeamStats
from handlers.team.late import LateQueue

# --- persistence -----------------------------------------------------------

MAX_FAILURES = 10  # counted failures before an outbox message gives up (rate limits and outages never count)


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

    def add_card(self, complaint_id: int, card: CardRef) -> None:
        """Remember where one of the complaint's cards was posted (one per surface and channel)."""
        ...

    def move_card(self, complaint_id: int, old: CardRef, new: CardRef) -> None:
        """The complaint's card on a surface now lives at `new` (another queue's channel), no longer at `old`."""
        ...

    def cards_of(self, complaint_ids: Collection[int]) -> dict[int, list[CardRef]]:
        """The cards that are out for these complaints."""
        ...

    def lock_threads(self, keys: Collection[str]) -> None:
        """Wait until no other transaction is threading any of these keys (handlers.intake.follow_ups.thread_keys),
        and keep them until this one ends: taken first, before anything is read."""
        ...

    def thread_index(
        self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]
    ) -> ThreadIndex:
        """Open cases that hold any of these tweets, conversations or (lower-cased) authors."""
        ...

    def count_followups(self, counts: dict[int, int]) -> dict[int, FollowupCount]:
        """Add to cases' follow-up counts; return each case's new count, its queue rank and whether it has a card."""
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

    def unclaimed_past(self, cutoff: datetime, below_stage: int, limit: int, where: WaitScope) -> list[Complaint]:
        """Unclaimed complaints `where` selects, waiting since `cutoff` or before and escalated less than
        `below_stage` in this wait, longest waiting first."""
        ...

    def open_of(self, handle: str) -> list[Complaint]:
        """A customer's open complaints (by handle, any case), oldest first."""
        ...

    def unacknowledged(
        self, *, queue: str | None = None, topic: str | None = None, since: datetime | None = None, limit: int,
        cluster: str | None = None,
    ) -> list[Complaint]:  # fmt: skip
        """Open complaints not yet acknowledged publicly (on `queue`, about `topic`, received since `since`, sharing a
        near-duplicate key with `cluster`), oldest first: an incident's."""
        ...

    def open_claims(self) -> dict[str, int]:
        """How many complaints each person holds that still want their work (claimed or acknowledged), by key."""
        ...

    def late_by_queue(self, paged_stage: int, called_stage: int) -> dict[str, LateQueue]:
        """Per queue, the complaints still unclaimed that were escalated to `paged_stage` or beyond in this wait (and
        how many of them to `called_stage`); queues with none are left out."""
        ...

    def advance_sla_stage(
        self, complaint_id: int, from_stage: int, to_stage: int, *, paged_alone: bool = False
    ) -> bool:
        """Move an unclaimed complaint's escalation from one stage to the next; False if someone else did."""
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

    def erase(self, handle: str, *, preview: bool = False) -> Erased:
        """Erase the customer's posts, names and handles (complaints, messages, built-in tickets, audit details, the
        registry), keeping what stats count; `preview` only counts. The handle is lower-cased, without @."""
        ...

    def registered(self) -> list[tuple[str, str]]:
        """Every registered customer's handle and tier, by handle."""
        ...


class AuditLog(Protocol):
    """The append-only audit trail."""

    def record(self, event: AuditEvent) -> None:
        """Append one event."""
        ...

    def blank_details(self, before: datetime, after_id: int, limit: int) -> list[int]:
        """Empty the details of up to `limit` events older than `before` with ids above `after_id`, oldest first;
        return their ids in order (retention)."""
        ...

    def for_complaint(self, complaint_id: int) -> list[AuditEvent]:
        """Return a complaint's events, oldest first."""
        ...


@dataclass(frozen=True)
class FollowupCount:
    """A case's follow-ups after a batch added some: what its card and its thread lines need to know."""

    count: int
    rank: float  # the case's queue rank: its thread lines go by it
    carded: bool  # whether its card is out (else the card, when posted, shows the count)


@dataclass(frozen=True)
class WaitScope:
    """Which waiting complaints a service-level pass reads: some tiers or all but some, a queue or all but some."""

    tiers: Collection[str] | None = None  # None: any tier ...
    not_tiers: Collection[str] = ()  # ... but these
    queue: str | None = None  # None: any queue ...
    not_queues: Collection[str] = ()  # ... but these


@dataclass(frozen=True)
class OutboxMessage:
    """A side effect decided inside a transaction, to be carried out after it commits."""

    id: int
    kind: str
    key: str
    complaint_id: int | None
    payload: Mapping[str, Any]
    attempts: int  # tries, this one included: more than one means an earlier try may have landed
    failures: int = 0  # counted failures before this try
    lease: str = ""  # the token of the lease it was taken under: only that lease may finish, retry or give it back

    @property
    def last_chance(self) -> bool:
        """Whether one more counted failure gives this message up."""
        return self.failures + 1 >= MAX_FAILURES


@dataclass(frozen=True)
class NewOutboxMessage:
    """An outbox message to add."""

    kind: str
    key: str
    complaint_id: int | None
    payload: Mapping[str, Any]
    rank: float = 0.0
    held: bool = False  # kept back until released (a card of a queue in storm mode, posted when taken)


class Outbox(Protocol):
    """Side effects waiting to leave the building."""

    def enqueue(
        self, kind: str, key: str, complaint_id: int | None, payload: Mapping[str, Any], rank: float = 0.0
    ) -> None:
        """Add a message; a second message with the same idempotency key is ignored. Higher rank goes first."""
        ...

    def enqueue_many(
        self, messages: list[NewOutboxMessage], cards: Mapping[int, Sequence[CardRef]] | None = None
    ) -> None:
        """Add several messages at once (the same rules as `enqueue`). A chat message goes to every surface that is on,
        one message each (handlers.outbox.fan_out); `cards` are complaints' cards the caller read already."""
        ...

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, skip_lanes: Collection[str] = (), *, owner: str = ""
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages, highest rank first, for `lease_seconds` (nobody else gets them meanwhile)
        on behalf of the worker `owner`; none travelling in `skip_lanes` (handlers.outbox.kinds.lane_of). A lease
        held by a worker silent for SILENT_AFTER counts as expired."""
        ...

    def renew(self, lease: str, message_ids: Collection[int], until: datetime) -> set[int]:
        """Extend `lease` to `until` on those of `message_ids` it still holds; return those."""
        ...

    def release(self, message_id: int, at: datetime, lease: str) -> bool:
        """Give a leased message back untried (its try is not counted); due again at `at`. False if `lease` no longer
        holds it (so with every finishing call below: a message taken over is the new holder's)."""
        ...

    def release_many(self, message_ids: Collection[int], at: datetime, lease: str) -> int:
        """Give several leased messages back untried at once (`release` for each); return how many."""
        ...

    def hold_cards(self, queue: str) -> int:
        """Keep back the new cards (of the standard kind) still waiting to be posted for complaints waiting for an
        owner on `queue`; return how many. Cards being posted right now are left to finish."""
        ...

    def release_held(self, now: datetime, *, complaint_id: int | None = None, queue: str | None = None) -> int:
        """Make held cards due now: one complaint's, or every one of a queue's; return how many."""
        ...

    def wake(self, complaint_id: int, kinds: Collection[str], now: datetime) -> None:
        """Make a complaint's pending messages of these kinds due now (what waited for its card)."""
        ...

    def mark_done(self, message_id: int, now: datetime, lease: str) -> bool:
        """The side effect happened."""
        ...

    def retry_later(self, message_id: int, at: datetime, error: str, lease: str, *, failed: bool = True) -> bool:
        """The try did not deliver; try again at `at`. `failed` counts it towards giving up."""
        ...

    def give_up(self, message_id: int, now: datetime, error: str, lease: str) -> bool:
        """The side effect failed for good; keep the error for agents to see."""
        ...

    def forget_done(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` messages that finished before `before` (retention); return how many."""
        ...


SILENT_AFTER = timedelta(seconds=3)  # a worker not heard from for this long is gone: its leases and entries are free


class WorkerRegistry(Protocol):
    """The worker processes and their heartbeats: who is alive to hold a lease."""

    def beat(self, name: str, now: datetime) -> None:
        """`name` is alive (first beat: it has just started)."""
        ...

    def leave(self, name: str) -> None:
        """`name` stopped cleanly."""
        ...

    def silent(self, now: datetime) -> list[str]:
        """The workers not heard from for SILENT_AFTER: killed, or their machine gone."""
        ...

    def forget_silent(self, before: datetime) -> int:
        """Forget workers not heard from since `before` (retention); return how many."""
        ...


class PeopleRepository(Protocol):
    """People, one row each, with their identities per surface."""

    def resolve(self, identity: Identity) -> Person:
        """The person with this identity: found, linked to the person with the same email, or added; their name
        kept up to date."""
        ...

    def get_many(self, keys: Collection[str]) -> dict[str, Person]:
        """The people with these keys (unknown keys are left out)."""
        ...


class Checkpoints(Protocol):
    """Named positions in outside feeds (for example the newest tweet id seen)."""

    def get(self, name: str) -> str | None:
        """Return the checkpoint, or None."""
        ...

    def set(self, name: str, value: str) -> None:
        """Move the checkpoint."""
        ...

    def compare_and_set(self, name: str, expected: str | None, value: str) -> bool:
        """Move the checkpoint to `value` only if it still reads `expected` (None: it does not exist yet); True if
        this caller's move landed (of several processes trying at once, exactly one does)."""
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
    def people(self) -> PeopleRepository:
        """People and their identities on each surface."""
        ...

    @property
    def checkpoints(self) -> Checkpoints:
        """Feed positions."""
        ...

    @property
    def team(self) -> TeamSettings:
        """Service levels, the on-call roster, the spike detector's memory."""
        ...

    @property
    def stats(self) -> TeamStats:
        """Team statistics."""
        ...

    @property
    def workers(self) -> WorkerRegistry:
        """The worker processes' heartbeats."""
        ...

    @property
    def surges(self) -> Surges:
        """Runs of similar complaints per queue."""
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
