"""SQL storage of complaints (cases): inserts in batches, the compare-and-set, threading lookups, outcomes."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    bindparam,
    select,
    text,
    update,
)

from handlers.domain.complaint import (
    CardRef,
    Change,
    Complaint,
    NewCase,
    PrivateHandoff,
    PublicReply,
    Ticket,
)
from handlers.ports.complaints import FollowupCount
from storage.sql.complaint_cards import SqlComplaintCards
from storage.sql.complaint_rows import (
    WITH_OWNER_AND_CARDS,
    case_row,
    complaint_of,
    private_values,
    reply_values,
    ticket_values,
)
from storage.sql.queue_reads import SqlQueueReads
from storage.sql.set_queries import bulk_insert, chunks, one_of
from storage.sql.tables import complaints
from storage.sql.thread_reads import SqlThreadReads

# PostgreSQL: a batch's new ids in one statement (the rows are then copied in with them, in order).
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('complaints', 'id')) FROM generate_series(1, :n) ORDER BY 1")
# PostgreSQL: a batch's follow-up counts added in one statement, the rows locked in id order first (as an
# executemany in id order would: two batches never wait on each other in a cycle); the new counts come back with
# the queue rank and the cards that are out (so the follow-ups' thread lines need no second read).
_PG_COUNT_FOLLOWUPS = text(
    "WITH added AS (SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:added AS integer[])) AS t(id, n)), "
    "locked AS (SELECT c.id FROM complaints c WHERE c.id IN (SELECT id FROM added) ORDER BY c.id FOR UPDATE) "
    "UPDATE complaints SET followup_count = complaints.followup_count + added.n FROM added, locked "
    "WHERE complaints.id = added.id AND locked.id = added.id "
    "RETURNING complaints.id, complaints.followup_count, complaints.queue_rank, "
    "(SELECT json_agg(json_build_array(k.surface, k.channel, k.reference) ORDER BY k.posted_at, k.surface) "
    "FROM complaint_cards k WHERE k.complaint_id = complaints.id) AS cards"
)


class SqlComplaintRepository(SqlQueueReads, SqlComplaintCards, SqlThreadReads):
    """Complaints in the `complaints` table: their writes and reads, with the queue's reads, the cards and what
    threading reads."""

    def add_many(self, cases: list[NewCase]) -> list[int]:
        """Insert new cases in one statement; their ids come back in the same order.

        PostgreSQL: the ids are drawn from the table's sequence first (one statement) and written with the rows."""
        if self._c.dialect.name == "postgresql":
            drawn = list(self._c.execute(_NEXT_IDS, {"n": len(cases)}).scalars())
            rows = [{"id": n, **case_row(case)} for n, case in zip(drawn, cases, strict=True)]
            bulk_insert(self._c, complaints, rows)
            return drawn
        bulk_insert(self._c, complaints, [case_row(case) for case in cases])
        ids: dict[tuple[str, str], int] = {}
        for source in {case.incoming.source for case in cases}:
            wanted = {case.incoming.external_id for case in cases if case.incoming.source == source}
            for chunk in chunks(wanted):
                query = select(complaints.c.external_id, complaints.c.id).where(
                    complaints.c.source == source, one_of(self._c, complaints.c.external_id, chunk)
                )
                ids.update({(source, external_id): case_id for external_id, case_id in self._c.execute(query)})
        return [ids[(case.incoming.source, case.incoming.external_id)] for case in cases]

    def count_followups(self, counts: dict[int, int]) -> dict[int, FollowupCount]:
        """Add to cases' follow-up counts (one statement; SQLite: an executemany); return the new counts, ranks and
        the cards that are out."""
        if not counts:
            return {}
        if self._c.dialect.name == "postgresql":
            ordered = sorted(counts.items())
            rows = self._c.execute(
                _PG_COUNT_FOLLOWUPS, {"ids": [k for k, _ in ordered], "added": [v for _, v in ordered]}
            )
            return {
                row.id: FollowupCount(
                    row.followup_count,
                    row.queue_rank,
                    tuple(CardRef(surface, channel, dict(ref or {})) for surface, channel, ref in row.cards or ()),
                )
                for row in rows
            }
        statement = (
            update(complaints)
            .where(complaints.c.id == bindparam("case_id"))
            .values(followup_count=complaints.c.followup_count + bindparam("added"))
        )
        self._c.execute(statement, [{"case_id": k, "added": v} for k, v in sorted(counts.items())])
        query = select(complaints.c.id, complaints.c.followup_count, complaints.c.queue_rank).where(
            one_of(self._c, complaints.c.id, sorted(counts))
        )
        carded = self.cards_of(list(counts))
        return {
            case_id: FollowupCount(total, rank, tuple(carded.get(case_id, ())))
            for case_id, total, rank in self._c.execute(query)
        }

    def get(self, complaint_id: int) -> Complaint | None:
        """Return one complaint, or None."""
        rows = self._c.execute(WITH_OWNER_AND_CARDS.where(complaints.c.id == complaint_id)).mappings().all()
        if not rows:
            return None
        cards = tuple(
            CardRef(r["card_surface"], r["card_channel"], dict(r["card_reference"] or {}))
            for r in sorted(rows, key=lambda r: (r["card_posted_at"] or r["received_at"], r["card_surface"] or ""))
            if r["card_surface"] is not None
        )
        return complaint_of(rows[0], cards)

    def compare_and_set(self, complaint: Complaint, change: Change) -> bool:
        """One conditional UPDATE on status and version; True if this caller's change landed."""
        values: dict[str, Any] = {"status": change.status.value, "version": complaints.c.version + 1}
        if change.clear_owner:
            values.update(owner_person_id=None, owner_name=None, claimed_at=None)
        elif change.owner is not None:
            values.update(
                owner_person_id=int(change.owner.id), owner_name=change.owner.name, claimed_at=change.claimed_at
            )
        if change.reply is not None:
            values.update(reply_values(change.reply))
        if change.ticket is not None:
            values.update(ticket_values(change.ticket))
        if change.private is not None:
            values.update(private_values(change.private))
        if change.dismiss_reason is not None:
            values["dismiss_reason"] = change.dismiss_reason
        if change.merged_into is not None:
            values["merged_into"] = change.merged_into
        if change.queue is not None:
            values["queue"] = change.queue
        if change.tier is not None:
            values["tier"] = change.tier
        values.update(change.milestones(complaint))
        if change.requeues(complaint):  # a new wait for an owner starts its own service level ladder
            values.update(sla_stage=0, paged_alone=False, requeued_at=change.at)
        if change.at is not None:
            values["updated_at"] = change.at
        result = self._c.execute(
            update(complaints)
            .where(
                complaints.c.id == complaint.id,
                complaints.c.version == complaint.version,
                complaints.c.status == complaint.status.value,
            )
            .values(**values)
        )
        return result.rowcount == 1

    def record_reply(self, complaint_id: int, reply: PublicReply) -> None:
        """Record how the public reply went."""
        self._c.execute(update(complaints).where(complaints.c.id == complaint_id).values(**reply_values(reply)))

    def record_private(self, complaint_id: int, private: PrivateHandoff) -> None:
        """Record how the private hand-off went."""
        values = private_values(private)
        self._c.execute(update(complaints).where(complaints.c.id == complaint_id).values(**values))

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        """Record how the ticket went."""
        self._c.execute(update(complaints).where(complaints.c.id == complaint_id).values(**ticket_values(ticket)))

    def tickets_out(self, complaint_ids: Collection[int]) -> set[int]:
        """Which of these cases have their ticket out in the system of record; their rows are locked till commit, so
        a ticket recorded meanwhile is seen here, or sees what this transaction adds."""
        if not complaint_ids:
            return set()
        query = (
            select(complaints.c.id)
            .where(one_of(self._c, complaints.c.id, sorted(complaint_ids)), complaints.c.ticket_status == "sent")
            .order_by(complaints.c.id)
            .with_for_update()
        )
        return set(self._c.execute(query).scalars())
