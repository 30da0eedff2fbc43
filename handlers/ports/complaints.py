"""The complaints port: stored cases, what threading looks up, and what the service-level watch reads."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.domain.complaint import (
    CardRef,
    Change,
    Complaint,
    NewCase,
    OpenCase,
    PrivateHandoff,
    PublicReply,
    Ticket,
)
from handlers.domain.late import LateQueue


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

    def record_private(self, complaint_id: int, private: PrivateHandoff) -> None:
        """Record how the private hand-off went (sent, with its conversation; or refused, with the network's reason)."""
        ...

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        """Record how the ticket went (created, with its number and link; or failed, with the reason)."""
        ...

    def tickets_out(self, complaint_ids: Collection[int]) -> set[int]:
        """Which of these cases have their ticket out in the system of record, their rows locked till commit (a
        ticket recorded meanwhile is seen, or sees what this transaction adds)."""
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


@dataclass(frozen=True)
class FollowupCount:
    """A case's follow-ups after a batch added some: what its card and its thread lines need to know."""

    count: int
    rank: float  # the case's queue rank: its thread lines go by it
    cards: tuple[CardRef, ...] = ()  # its cards that are out, in the order they were posted

    @property
    def carded(self) -> bool:
        """Whether its card is out (else the card, when posted, shows the count)."""
        return bool(self.cards)


@dataclass(frozen=True)
class WaitScope:
    """Which waiting complaints a service-level pass reads: some tiers or all but some, a queue or all but some."""

    tiers: Collection[str] | None = None  # None: any tier ...
    not_tiers: Collection[str] = ()  # ... but these
    queue: str | None = None  # None: any queue ...
    not_queues: Collection[str] = ()  # ... but these
