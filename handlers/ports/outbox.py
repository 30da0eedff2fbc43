"""The outbox port: side effects decided inside a transaction, leased to one executor at a time."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from handlers.domain.outbox_kinds import Outgoing, parse

MAX_FAILURES = 10  # counted failures before an outbox message gives up (rate limits and outages never count)


@dataclass(frozen=True)
class OutboxMessage:
    """A side effect decided inside a transaction, to be carried out after it commits."""

    id: int
    kind: str  # the stored name of its kind
    key: str
    complaint_id: int | None
    payload: Mapping[str, Any]  # as stored: `body()` reads it as its kind's class
    attempts: int  # tries, this one included: more than one means an earlier try may have landed
    failures: int = 0  # counted failures before this try
    lease: str = ""  # the token of the lease it was taken under: only that lease may finish, retry or give it back
    leased_at: datetime | None = None  # when that lease was taken: every earlier try began before it

    def body(self) -> Outgoing:
        """What it carries, as its kind's class (handlers.domain.outbox_kinds.UnreadableMessage if it cannot be)."""
        return parse(self.kind, self.payload)

    @property
    def last_chance(self) -> bool:
        """Whether one more counted failure gives this message up."""
        return self.failures + 1 >= MAX_FAILURES


@dataclass(frozen=True)
class NewOutboxMessage:
    """An outbox message to add: what it carries (typed by kind), its idempotency key and its complaint."""

    body: Outgoing
    key: str
    complaint_id: int | None
    rank: float = 0.0
    held: bool = False  # kept back until released (a card of a queue in storm mode, posted when taken)

    @property
    def kind(self) -> str:
        """The stored name of its kind."""
        return self.body.kind

    @property
    def payload(self) -> dict[str, Any]:
        """Its body as the stored JSON payload."""
        return self.body.to_payload()


class Outbox(Protocol):
    """Side effects waiting to leave the building."""

    def enqueue_many(self, messages: list[NewOutboxMessage]) -> None:
        """Add messages as they are, each in its body's lane and ordering; a second message with the same idempotency
        key is ignored. Higher rank goes first. The core has already made a chat message one per surface
        (handlers.dispatch.fan_out)."""
        ...

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, skip_lanes: Collection[str] = (), *, owner: str = ""
    ) -> list[OutboxMessage]:
        """Take up to `limit` due messages, highest rank first, for `lease_seconds` (nobody else gets them meanwhile)
        on behalf of the worker `owner`; none travelling in `skip_lanes` (a body's `lane`). A lease
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
