"""SQL repositories for customers, the audit trail, the outbox and checkpoints."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from handlers.cases.model import (
    Actor,
    AuditEvent,
    CardRef,
    Status,
)
from handlers.outbox.fan_out import CardsOf, to_surfaces
from handlers.outbox.kinds import AFTER_VIP_CARDS, CARD_POST, CARD_POST_RESERVED, VIP_CARD_GATE_SECONDS, lane_of
from handlers.ports.persistence import Clock, NewOutboxMessage, OutboxMessage
from storage.sql.set_queries import chunks, insert_or_ignore, one_of
from storage.sql.tables import audit_events, checkpoints, complaints, customers, outbox


class SqlCustomerRepository:
    """Customers' tiers in the `customers` table."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def tier_of(self, handle: str) -> str:
        """The customer's tier, "standard" when not registered."""
        tier = self._c.execute(select(customers.c.tier).where(customers.c.handle == _handle(handle))).scalar()
        return tier or "standard"

    def tiers_of(self, handles: set[str]) -> dict[str, str]:
        """Tiers of the registered customers among `handles`."""
        found: dict[str, str] = {}
        for chunk in chunks({_handle(h) for h in handles}):
            query = select(customers.c.handle, customers.c.tier).where(one_of(self._c, customers.c.handle, chunk))
            found.update({handle: tier for handle, tier in self._c.execute(query)})
        return found

    def registered(self) -> list[tuple[str, str]]:
        """Every registered customer's handle and tier."""
        query = select(customers.c.handle, customers.c.tier).order_by(customers.c.handle)
        return [(handle, tier) for handle, tier in self._c.execute(query)]

    def set_tier(self, handle: str, tier: str) -> None:
        """Register or change a customer's tier."""
        now = self._clock.now()
        changed = self._c.execute(
            update(customers).where(customers.c.handle == _handle(handle)).values(tier=tier, updated_at=now)
        )
        if changed.rowcount == 0:
            self._c.execute(insert(customers).values(handle=_handle(handle), tier=tier, updated_at=now))


def _handle(handle: str) -> str:
    return handle.lstrip("@").lower()


class SqlAuditLog:
    """The append-only `audit_events` table."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record(self, event: AuditEvent) -> None:
        """Append one event."""
        self._c.execute(
            insert(audit_events).values(
                complaint_id=event.complaint_id,
                actor_id=event.actor.id,
                actor_name=event.actor.name,
                surface=event.actor.surface,
                action=event.action,
                from_status=event.from_status.value if event.from_status else None,
                to_status=event.to_status.value if event.to_status else None,
                at=event.at,
                detail=dict(event.detail),
            )
        )

    def for_complaint(self, complaint_id: int) -> list[AuditEvent]:
        """A complaint's events, oldest first."""
        rows = self._c.execute(
            select(audit_events).where(audit_events.c.complaint_id == complaint_id).order_by(audit_events.c.id)
        ).mappings()
        return [
            AuditEvent(
                complaint_id=row["complaint_id"],
                actor=Actor(id=row["actor_id"], name=row["actor_name"], surface=row["surface"]),
                action=row["action"],
                from_status=Status(row["from_status"]) if row["from_status"] else None,
                to_status=Status(row["to_status"]) if row["to_status"] else None,
                at=row["at"],
                detail=row["detail"],
            )
            for row in rows
        ]


class SqlOutbox:
    """Side effects in the `outbox` table, leased to one executor at a time."""

    def __init__(self, connection: Connection, clock: Clock, surfaces: Sequence[str], cards_of: CardsOf) -> None:
        self._c = connection
        self._clock = clock
        self._surfaces = surfaces
        self._cards_of = cards_of

    def enqueue(
        self, kind: str, key: str, complaint_id: int | None, payload: Mapping[str, Any], rank: float = 0.0
    ) -> None:
        """Add a message unless one with the same idempotency key exists."""
        self.enqueue_many([NewOutboxMessage(kind, key, complaint_id, payload, rank)])

    def enqueue_many(self, batch: list[NewOutboxMessage], cards: Mapping[int, Sequence[CardRef]] | None = None) -> None:
        """Add messages in one statement, a chat message once per surface; those whose idempotency key exists already
        are skipped."""
        batch = to_surfaces(batch, self._surfaces, self._cards_of, cards)
        if not batch:
            return
        now = self._clock.now()
        rows = [
            {
                "kind": m.kind,
                "key": m.key,
                "lane": lane_of(m.kind, m.payload),
                "complaint_id": m.complaint_id,
                "payload": dict(m.payload),
                "status": "held" if m.held else "pending",
                "attempts": 0,
                "available_at": now,
                "created_at": now,
                "rank": m.rank,
            }
            for m in batch
        ]
        self._c.execute(insert_or_ignore(self._c, outbox), rows)

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, skip_lanes: Collection[str] = ()
    ) -> list[OutboxMessage]:
        """Lease the highest-ranked due messages in one statement: rows another executor is leasing right now are
        skipped (PostgreSQL's SKIP LOCKED; SQLite takes the write lock first), so two never take the same one."""
        due = and_(
            outbox.c.status == "pending",
            outbox.c.available_at <= now,
            or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now),
        )
        wanted = and_(due, outbox.c.lane.not_in(sorted(skip_lanes))) if skip_lanes else due
        vip = outbox.alias("vip")  # the oldest VIP card still to be posted (read once): alerts decided after it wait
        oldest_vip_card = (
            select(func.min(vip.c.id))
            .where(
                vip.c.kind == CARD_POST_RESERVED,
                vip.c.status == "pending",
                vip.c.created_at > now - timedelta(seconds=VIP_CARD_GATE_SECONDS),
            )
            .scalar_subquery()
        )
        after_vips = or_(
            outbox.c.kind.not_in(sorted(AFTER_VIP_CARDS)), oldest_vip_card.is_(None), outbox.c.id < oldest_vip_card
        )
        wanted = and_(wanted, after_vips)
        chosen = select(outbox.c.id).where(wanted).order_by(outbox.c.rank.desc(), outbox.c.id).limit(limit)
        if self._c.dialect.name == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        until = now + timedelta(seconds=lease_seconds)
        rows = self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(chosen.scalar_subquery()), due)
            .values(leased_until=until, attempts=outbox.c.attempts + 1)
            .returning(outbox)
        ).mappings()
        leased = [
            (
                row["rank"],
                OutboxMessage(
                    id=row["id"],
                    kind=row["kind"],
                    key=row["key"],
                    complaint_id=row["complaint_id"],
                    payload=row["payload"],
                    attempts=row["attempts"],
                    failures=row["failures"],
                ),
            )
            for row in rows
        ]
        return [message for _rank, message in sorted(leased, key=lambda rm: (-rm[0], rm[1].id))]

    def release(self, message_id: int, at: datetime) -> None:
        """Give the message back untried: the lease's try is taken back, and it is due again at `at`."""
        self.release_many([message_id], at)

    def release_many(self, message_ids: Collection[int], at: datetime) -> None:
        """Give these messages back untried, in one statement."""
        if not message_ids:
            return
        self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(sorted(message_ids)), outbox.c.leased_until.is_not(None))
            .values(available_at=at, leased_until=None, attempts=outbox.c.attempts - 1)
        )

    def hold_cards(self, queue: str) -> int:
        """Keep back the queue's new cards still waiting to be posted (not those leased: they are on their way)."""
        waiting = select(complaints.c.id).where(complaints.c.queue == queue, complaints.c.status == Status.NEW.value)
        result = self._c.execute(
            update(outbox)
            .where(
                outbox.c.kind == CARD_POST,
                outbox.c.status == "pending",
                outbox.c.leased_until.is_(None),
                outbox.c.complaint_id.in_(waiting.scalar_subquery()),
            )
            .values(status="held")
        )
        return int(result.rowcount or 0)

    def release_held(self, now: datetime, *, complaint_id: int | None = None, queue: str | None = None) -> int:
        """Make held cards due now: one complaint's, or a queue's."""
        which = outbox.c.status == "held"
        if complaint_id is not None:
            which = and_(which, outbox.c.complaint_id == complaint_id)
        if queue is not None:
            on_queue = select(complaints.c.id).where(complaints.c.queue == queue)
            which = and_(which, outbox.c.complaint_id.in_(on_queue.scalar_subquery()))
        result = self._c.execute(update(outbox).where(which).values(status="pending", available_at=now))
        return int(result.rowcount or 0)

    def wake(self, complaint_id: int, kinds: Collection[str], now: datetime) -> None:
        """Make the complaint's waiting messages of these kinds due now (those not leased)."""
        self._c.execute(
            update(outbox)
            .where(
                outbox.c.complaint_id == complaint_id,
                outbox.c.kind.in_(sorted(kinds)),
                outbox.c.status == "pending",
                outbox.c.available_at > now,
                outbox.c.leased_until.is_(None),
            )
            .values(available_at=now)
        )

    def mark_done(self, message_id: int, now: datetime) -> None:
        """The side effect happened."""
        self._c.execute(
            update(outbox).where(outbox.c.id == message_id).values(status="done", done_at=now, leased_until=None)
        )

    def retry_later(self, message_id: int, at: datetime, error: str, *, failed: bool = True) -> None:
        """Release the lease and make the message due again at `at`; `failed` counts one failure."""
        values: dict[str, Any] = {"available_at": at, "leased_until": None, "last_error": error[:2000]}
        if failed:
            values["failures"] = outbox.c.failures + 1
        self._c.execute(update(outbox).where(outbox.c.id == message_id).values(**values))

    def give_up(self, message_id: int, now: datetime, error: str) -> None:
        """Stop trying; keep the error."""
        self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(status="failed", done_at=now, leased_until=None, last_error=error[:2000])
        )


class SqlCheckpoints:
    """Named feed positions in the `checkpoints` table."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def get(self, name: str) -> str | None:
        """The checkpoint's value, or None."""
        return self._c.execute(select(checkpoints.c.value).where(checkpoints.c.name == name)).scalar()

    def set(self, name: str, value: str) -> None:
        """Move the checkpoint."""
        now = self._clock.now()
        changed = self._c.execute(
            update(checkpoints).where(checkpoints.c.name == name).values(value=value, updated_at=now)
        )
        if changed.rowcount == 0:  # the first time: two pollers may get here at once, and one insert wins
            self._insert_or_move(name, value, now)

    def compare_and_set(self, name: str, expected: str | None, value: str) -> bool:
        """Move the checkpoint only if it still reads `expected` (None: not there yet); True if this move landed."""
        now = self._clock.now()
        if expected is None:
            return self._inserted(name, value, now)
        changed = self._c.execute(
            update(checkpoints)
            .where(checkpoints.c.name == name, checkpoints.c.value == expected)
            .values(value=value, updated_at=now)
        )
        return changed.rowcount == 1

    def _inserted(self, name: str, value: str, now: datetime) -> bool:
        """Insert the checkpoint unless it exists; whether this insert made it (read back: the driver may not count
        the rows an ON CONFLICT statement wrote)."""
        row = insert_or_ignore(self._c, checkpoints).values(name=name, value=value, updated_at=now)
        return self._c.execute(row.returning(checkpoints.c.name)).first() is not None

    def _insert_or_move(self, name: str, value: str, now: datetime) -> None:
        if not self._inserted(name, value, now):
            self._c.execute(update(checkpoints).where(checkpoints.c.name == name).values(value=value, updated_at=now))
