"""SQL reads of the queues and the escalation stages: who waits, who is late, who holds what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import (
    func,
    or_,
    select,
    update,
)

from handlers.cases.lifecycle import OPEN_STATUSES
from handlers.domain.complaint import (
    Complaint,
    Status,
)
from handlers.domain.late import LateQueue
from handlers.ports.complaints import WaitScope
from storage.sql.complaint_rows import WITH_OWNER, SqlRows, aware, complaint_of, sharing
from storage.sql.tables import complaints


class SqlQueueReads(SqlRows):
    """The queue's ordered reads and the escalation stage's compare-and-set, in `complaints`."""

    def claimed_before(self, cutoff: datetime) -> list[int]:
        """Complaints claimed since before `cutoff` that nobody acknowledged or ticketed."""
        query = select(complaints.c.id).where(
            complaints.c.status == Status.CLAIMED.value, complaints.c.claimed_at < cutoff
        )
        return list(self._c.execute(query.order_by(complaints.c.claimed_at)).scalars())

    def unclaimed_past(self, cutoff: datetime, below_stage: int, limit: int, where: WaitScope) -> list[Complaint]:
        """Unclaimed complaints `where` selects, waiting since `cutoff` or before and escalated less than
        `below_stage` in this wait, longest waiting first."""
        c = complaints.c
        since = func.coalesce(c.requeued_at, c.posted_at)
        query = WITH_OWNER.where(c.status == Status.NEW.value, c.sla_stage < below_stage, since <= cutoff)
        if where.tiers is not None:
            query = query.where(c.tier.in_(list(where.tiers)))
        if where.not_tiers:
            query = query.where(c.tier.not_in(list(where.not_tiers)))
        if where.queue is not None:
            query = query.where(c.queue == where.queue)
        if where.not_queues:
            query = query.where(c.queue.not_in(list(where.not_queues)))
        return [complaint_of(row) for row in self._c.execute(query.order_by(since).limit(limit)).mappings()]

    def open_of(self, handle: str) -> list[Complaint]:
        """A customer's open complaints, oldest first."""
        c = complaints.c
        open_ = [s.value for s in OPEN_STATUSES]
        query = WITH_OWNER.where(c.author_key == handle.lower(), c.status.in_(open_)).order_by(c.received_at, c.id)
        return [complaint_of(row) for row in self._c.execute(query.limit(500)).mappings()]

    def unacknowledged(
        self, *, queue: str | None = None, topic: str | None = None, since: datetime | None = None, limit: int,
        cluster: str | None = None,
    ) -> list[Complaint]:  # fmt: skip
        """Open complaints with no public reply yet (or only a failed one), oldest first; with `cluster`, only those
        sharing one of its near-duplicate keys."""
        c = complaints.c
        open_ = [Status.NEW.value, Status.CLAIMED.value, Status.TICKETED.value]
        query = WITH_OWNER.where(c.status.in_(open_), or_(c.reply_status.is_(None), c.reply_status == "failed"))
        if queue is not None:
            query = query.where(c.queue == queue)
        if topic is not None:
            query = query.where(c.topic == topic)
        if since is not None:
            query = query.where(c.received_at >= since)
        if cluster is not None:
            query = query.where(sharing(c.fingerprint, cluster))
        return [
            complaint_of(row) for row in self._c.execute(query.order_by(c.received_at, c.id).limit(limit)).mappings()
        ]

    def open_claims(self) -> dict[str, int]:
        """Complaints claimed or acknowledged, by owner."""
        c = complaints.c
        held = [Status.CLAIMED.value, Status.ACKNOWLEDGED.value]
        query = (
            select(c.owner_person_id, func.count())
            .where(c.status.in_(held), c.owner_person_id.is_not(None))
            .group_by(c.owner_person_id)
        )
        return {str(owner): int(n) for owner, n in self._c.execute(query)}

    def late_by_queue(self, paged_stage: int, called_stage: int) -> dict[str, LateQueue]:
        """Per queue: the unclaimed complaints escalated to `paged_stage` or beyond, those to `called_stage`, the
        longest wait's start and the highest rank among them."""
        c = complaints.c
        called = func.sum(sql_case((c.sla_stage >= called_stage, 1), else_=0))
        query = (
            select(
                c.queue,
                func.count(),
                called,
                func.min(func.coalesce(c.requeued_at, c.posted_at)),
                func.max(c.queue_rank),
            )
            .where(c.status == Status.NEW.value, c.sla_stage >= paged_stage)
            .group_by(c.queue)
        )
        late = {}
        for queue, paged, called_count, oldest, rank in self._c.execute(query):
            late[str(queue)] = LateQueue(int(paged), int(called_count or 0), aware(oldest), float(rank))
        return late

    def advance_sla_stage(
        self, complaint_id: int, from_stage: int, to_stage: int, *, paged_alone: bool = False
    ) -> bool:
        """Compare-and-set the escalation stage of a still-unclaimed complaint."""
        result = self._c.execute(
            update(complaints)
            .where(
                complaints.c.id == complaint_id,
                complaints.c.sla_stage == from_stage,
                complaints.c.status == Status.NEW.value,
            )
            .values(sla_stage=to_stage, **({"paged_alone": True} if paged_alone else {}))
        )
        return result.rowcount == 1
