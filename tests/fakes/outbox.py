"""A fake of the outbox port, leasing by rank, lane and channel order as the SQL one does."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.domain.complaint import Status
from handlers.domain.outbox_kinds import AFTER_VIP_CARDS, CardPost
from handlers.ports.outbox import NewOutboxMessage, OutboxMessage
from tests.fakes.state import FakeState, _OutboxRow


class _Outbox:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def enqueue_many(self, messages: list[NewOutboxMessage]) -> None:
        for m in messages:
            if any(row.message.key == m.key for row in self.s.outbox.values()):
                continue
            message_id = max(self.s.outbox, default=0) + 1
            message = OutboxMessage(message_id, m.body.kind, m.key, m.complaint_id, m.body.to_payload(), 0, 0)
            row = _OutboxRow(message, m.body.lane, m.body.ordering, m.rank)
            row.status = "held" if m.held else "pending"
            self.s.outbox[message_id] = row

    def hold_cards(self, queue: str) -> int:
        held = 0
        for row in self.s.outbox.values():
            complaint = self.s.complaints.get(row.message.complaint_id or 0)
            waiting = complaint is not None and complaint.queue == queue and complaint.status is Status.NEW
            if row.message.kind == CardPost.KIND and row.status == "pending" and row.leased_until is None and waiting:
                row.status, held = "held", held + 1
        return held

    def release_held(self, now: datetime, *, complaint_id: int | None = None, queue: str | None = None) -> int:
        released = 0
        for row in self.s.outbox.values():
            complaint = self.s.complaints.get(row.message.complaint_id or 0)
            ours = complaint_id is None or row.message.complaint_id == complaint_id
            on_queue = queue is None or (complaint is not None and complaint.queue == queue)
            if row.status == "held" and ours and on_queue:
                row.status, row.available_at, released = "pending", now, released + 1
        return released

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, skip_lanes: Collection[str] = (), *, owner: str = ""
    ) -> list[OutboxMessage]:
        leased = []
        token = uuid.uuid4().hex
        vip_cards = [
            r.message.id
            for r in self.s.outbox.values()
            if r.status == "pending" and r.message.kind == CardPost.RESERVED_KIND
        ]
        live = [r for r in self.s.outbox.values() if r.leased_until is not None and r.leased_until >= now]
        busy = {r.ordering for r in live} - {None}
        for row in sorted(self.s.outbox.values(), key=lambda r: (-r.rank, r.message.id)):
            gated = row.message.kind in AFTER_VIP_CARDS and any(v < row.message.id for v in vip_cards)
            due = not gated and row.status == "pending" and (row.available_at is None or row.available_at <= now)
            free = row.leased_until is None or row.leased_until < now
            lane, taken = row.lane, row.ordering in busy
            if due and free and not taken and lane not in skip_lanes and len(leased) < limit:
                row.message = replace(row.message, attempts=row.message.attempts + 1, lease=token)
                row.leased_until = now + timedelta(seconds=lease_seconds)
                leased.append(row.message)
        return leased

    def _held(self, message_id: int, lease: str) -> _OutboxRow | None:
        row = self.s.outbox[message_id]
        held = row.status == "pending" and row.leased_until is not None and row.message.lease == lease
        return row if held else None

    def renew(self, lease: str, message_ids: Collection[int], until: datetime) -> set[int]:
        kept = set()
        for message_id in message_ids:
            row = self._held(message_id, lease)
            if row is not None:
                row.leased_until = until
                kept.add(message_id)
        return kept

    def release(self, message_id: int, at: datetime, lease: str) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.message = replace(row.message, attempts=row.message.attempts - 1, lease="")
        row.available_at, row.leased_until = at, None
        return True

    def release_many(self, message_ids: Collection[int], at: datetime, lease: str) -> int:
        return sum(self.release(message_id, at, lease) for message_id in message_ids)

    def wake(self, complaint_id: int, kinds: Collection[str], now: datetime) -> None:
        for row in self.s.outbox.values():
            ours = row.message.complaint_id == complaint_id and row.message.kind in kinds
            waiting = row.status == "pending" and row.available_at is not None and row.available_at > now
            if ours and waiting and row.leased_until is None:
                row.available_at = now

    def mark_done(self, message_id: int, now: datetime, lease: str) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.status, row.leased_until, row.done_at = "done", None, now
        return True

    def retry_later(self, message_id: int, at: datetime, error: str, lease: str, *, failed: bool = True) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.available_at, row.leased_until, row.last_error = at, None, error
        if failed:
            row.message = replace(row.message, failures=row.message.failures + 1)
        return True

    def give_up(self, message_id: int, now: datetime, error: str, lease: str) -> bool:
        row = self._held(message_id, lease)
        if row is None:
            return False
        row.status, row.last_error, row.leased_until, row.done_at = "failed", error, None, now
        return True

    def forget_done(self, before: datetime, limit: int) -> int:
        old = [
            k for k, r in self.s.outbox.items() if r.status in ("done", "failed") and r.done_at and r.done_at < before
        ]
        for key in old[:limit]:
            del self.s.outbox[key]
        return len(old[:limit])
