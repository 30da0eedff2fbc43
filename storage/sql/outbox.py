"""The outbox in SQL: side effects leased to one executor at a time, each lease with a token only its holder can use."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, text, update

from handlers.domain.complaint import Status
from handlers.domain.outbox_kinds import AFTER_VIP_CARDS, VIP_CARD_GATE_SECONDS, CardPost
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from storage.sql.advisory import LEASING_LOCK
from storage.sql.set_queries import insert_or_ignore
from storage.sql.tables import complaints, outbox
from storage.sql.workers import silent_workers

# PostgreSQL: a batch of messages in one statement, each column an array (the payloads as JSON text); a key stored
# already is skipped, as ON CONFLICT DO NOTHING skips it for a row at a time.
_PG_ENQUEUE = text(
    "INSERT INTO outbox (kind, key, lane, ordering, complaint_id, payload, status, attempts, available_at, "
    "created_at, rank) "
    "SELECT k, y, l, o, c, CAST(p AS json), s, 0, :now, :now, r FROM unnest(CAST(:kinds AS varchar[]), "
    "CAST(:keys AS varchar[]), CAST(:lanes AS varchar[]), CAST(:orderings AS varchar[]), CAST(:cases AS bigint[]), "
    "CAST(:payloads AS text[]), CAST(:statuses AS varchar[]), CAST(:ranks AS float8[])) AS t(k, y, l, o, c, p, s, r) "
    "ON CONFLICT DO NOTHING"
).bindparams(bindparam("now", type_=outbox.c.created_at.type))


def _columns(batch: list[NewOutboxMessage]) -> dict[str, list[Any]]:
    """The batch's rows as one list per column, for _PG_ENQUEUE."""
    return {
        "kinds": [m.body.kind for m in batch],
        "keys": [m.key for m in batch],
        "lanes": [m.body.lane for m in batch],
        "orderings": [m.body.ordering for m in batch],
        "cases": [m.complaint_id for m in batch],
        "payloads": [json.dumps(m.body.to_payload()) for m in batch],
        "statuses": ["held" if m.held else "pending" for m in batch],
        "ranks": [float(m.rank) for m in batch],
    }


class SqlOutbox:
    """Side effects in the `outbox` table, leased to one executor at a time."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def enqueue_many(self, batch: list[NewOutboxMessage]) -> None:
        """Add messages in one statement, as the core hands them; those whose idempotency key exists already are
        skipped (PostgreSQL: one INSERT of the rows as arrays, not one execution per row)."""
        if not batch:
            return
        now = self._clock.now()
        if self._c.dialect.name == "postgresql":
            self._c.execute(_PG_ENQUEUE, {**_columns(batch), "now": now})
            return
        rows = [
            {
                "kind": m.body.kind,
                "key": m.key,
                "lane": m.body.lane,
                "ordering": m.body.ordering,
                "complaint_id": m.complaint_id,
                "payload": m.body.to_payload(),
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
        self, now: datetime, lease_seconds: float, limit: int, skip_lanes: Collection[str] = (), *, owner: str = ""
    ) -> list[OutboxMessage]:
        """Lease the highest-ranked due messages under one new token, in one statement.

        A channel another executor holds a lease in is left to it, so each channel's messages go out
        in rank order however many workers deliver; leasing itself is one at a time (an advisory lock
        on PostgreSQL, the write lock on SQLite), and rows locked by anyone else are skipped.
        """
        if self._c.dialect.name == "postgresql":  # two leasing at once could both see a channel free and split it
            self._c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEASING_LOCK})
        gone = silent_workers(now)  # a killed worker's leases are free at once, not when they expire
        free = or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now, outbox.c.lease_owner.in_(gone))
        due = and_(outbox.c.status == "pending", outbox.c.available_at <= now, free)
        wanted = and_(due, outbox.c.lane.not_in(sorted(skip_lanes))) if skip_lanes else due
        held = outbox.alias("held")  # channels in a live worker's live lease
        busy = select(held.c.ordering).where(
            held.c.leased_until.is_not(None),
            held.c.leased_until >= now,
            held.c.ordering.is_not(None),
            or_(held.c.lease_owner.is_(None), held.c.lease_owner.not_in(gone)),
        )
        wanted = and_(wanted, or_(outbox.c.ordering.is_(None), outbox.c.ordering.not_in(busy)))
        vip = outbox.alias("vip")  # the oldest VIP card still to be posted (read once): alerts decided after it wait
        oldest_vip_card = (
            select(func.min(vip.c.id))
            .where(
                vip.c.kind == CardPost.RESERVED_KIND,
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
        token = uuid.uuid4().hex
        rows = self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(chosen.scalar_subquery()), due)
            .values(
                leased_until=now + timedelta(seconds=lease_seconds),
                lease=token,
                lease_owner=owner or None,
                attempts=outbox.c.attempts + 1,
            )
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
                    lease=token,
                    leased_at=now,
                ),
            )
            for row in rows
        ]
        return [message for _rank, message in sorted(leased, key=lambda rm: (-rm[0], rm[1].id))]

    def renew(self, lease: str, message_ids: Collection[int], until: datetime) -> set[int]:
        """Extend the lease on those of `message_ids` it still holds; return them (the others were taken over)."""
        if not message_ids:
            return set()
        rows = self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(sorted(message_ids)), self._held(lease))
            .values(leased_until=until)
            .returning(outbox.c.id)
        )
        return {int(message_id) for (message_id,) in rows}

    def release(self, message_id: int, at: datetime, lease: str) -> bool:
        """Give the message back untried: the lease's try is taken back, and it is due again at `at`."""
        return self.release_many([message_id], at, lease) == 1

    def release_many(self, message_ids: Collection[int], at: datetime, lease: str) -> int:
        """Give these messages back untried, in one statement; return how many this lease still held."""
        if not message_ids:
            return 0
        result = self._c.execute(
            update(outbox)
            .where(outbox.c.id.in_(sorted(message_ids)), self._held(lease))
            .values(available_at=at, leased_until=None, lease=None, attempts=outbox.c.attempts - 1)
        )
        return int(result.rowcount or 0)

    def hold_cards(self, queue: str) -> int:
        """Keep back the queue's new cards still waiting to be posted (not those leased: they are on their way)."""
        waiting = select(complaints.c.id).where(complaints.c.queue == queue, complaints.c.status == Status.NEW.value)
        result = self._c.execute(
            update(outbox)
            .where(
                outbox.c.kind == CardPost.KIND,
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

    def mark_done(self, message_id: int, now: datetime, lease: str) -> bool:
        """The side effect happened; False if the lease was lost (another executor has the message now)."""
        return self._finish(message_id, lease, status="done", done_at=now)

    def retry_later(self, message_id: int, at: datetime, error: str, lease: str, *, failed: bool = True) -> bool:
        """Release the lease and make the message due again at `at`; `failed` counts one failure."""
        values: dict[str, Any] = {"available_at": at, "last_error": error[:2000]}
        if failed:
            values["failures"] = outbox.c.failures + 1
        return self._finish(message_id, lease, **values)

    def give_up(self, message_id: int, now: datetime, error: str, lease: str) -> bool:
        """Stop trying; keep the error."""
        return self._finish(message_id, lease, status="failed", done_at=now, last_error=error[:2000])

    def forget_done(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` messages finished (done or failed) before `before`; return how many."""
        old = (
            select(outbox.c.id)
            .where(outbox.c.done_at < before, outbox.c.status.in_(("done", "failed")))
            .order_by(outbox.c.done_at)
            .limit(limit)
        )
        result = self._c.execute(delete(outbox).where(outbox.c.id.in_(old.scalar_subquery())))
        return int(result.rowcount or 0)

    def _held(self, lease: str) -> Any:
        return and_(outbox.c.lease == lease, outbox.c.status == "pending", outbox.c.leased_until.is_not(None))

    def _finish(self, message_id: int, lease: str, **values: Any) -> bool:
        result = self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id, self._held(lease))
            .values(leased_until=None, lease=None, **values)
        )
        return bool(result.rowcount)
