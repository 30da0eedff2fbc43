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
    OpenCase,
    PublicReply,
    Status,
    Ticket,
)
from handlers.ports.complaints import FollowupCount, ThreadIndex
from storage.sql.advisory import INTAKE_LOCK, MAX_THREAD_LOCKS, advisory_key
from storage.sql.complaint_cards import SqlComplaintCards
from storage.sql.complaint_rows import (
    MAX_MERGE_HOPS,
    OPEN,
    WITH_OWNER_AND_CARDS,
    case_row,
    complaint_of,
    reply_values,
    ticket_values,
)
from storage.sql.queue_reads import SqlQueueReads
from storage.sql.set_queries import bulk_insert, chunks, one_of
from storage.sql.tables import complaints, messages

# PostgreSQL: a batch's new ids in one statement (the rows are then copied in with them, in order).
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('complaints', 'id')) FROM generate_series(1, :n) ORDER BY 1")
# PostgreSQL: a batch's follow-up counts added in one statement, the rows locked in id order first (as an
# executemany in id order would: two batches never wait on each other in a cycle); the new counts come back with
# the queue rank and whether a card is out.
_PG_COUNT_FOLLOWUPS = text(
    "WITH added AS (SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:added AS integer[])) AS t(id, n)), "
    "locked AS (SELECT c.id FROM complaints c WHERE c.id IN (SELECT id FROM added) ORDER BY c.id FOR UPDATE) "
    "UPDATE complaints SET followup_count = complaints.followup_count + added.n FROM added, locked "
    "WHERE complaints.id = added.id AND locked.id = added.id "
    "RETURNING complaints.id, complaints.followup_count, complaints.queue_rank, "
    "EXISTS (SELECT 1 FROM complaint_cards k WHERE k.complaint_id = complaints.id) AS carded"
)


class SqlComplaintRepository(SqlQueueReads, SqlComplaintCards):
    """Complaints in the `complaints` table: their writes and reads, with the queue's reads and the cards."""

    def add_many(self, cases: list[NewCase]) -> list[int]:
        """Insert new cases in one statement; their ids come back in the same order.

        PostgreSQL: the ids are drawn from the table's sequence first (one statement) and written with the rows."""
        if self._c.dialect.name == "postgresql":
            ids = list(self._c.execute(_NEXT_IDS, {"n": len(cases)}).scalars())
            bulk_insert(self._c, complaints, [{"id": n, **case_row(case)} for n, case in zip(ids, cases, strict=True)])
            return ids
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

    def lock_threads(self, keys: Collection[str]) -> None:
        """Take the threads' advisory locks until the transaction ends (PostgreSQL; SQLite has one writer at a time).

        Every intake transaction takes the intake lock first, shared, then its keys in ascending
        order, so two never deadlock. A batch with more keys than MAX_THREAD_LOCKS takes the intake
        lock alone, exclusively, instead: the server's lock table stays bounded in a storm."""
        if self._c.dialect.name != "postgresql" or not keys:
            return
        if len(keys) > MAX_THREAD_LOCKS:
            self._c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INTAKE_LOCK})
            return
        self._c.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": INTAKE_LOCK})
        self._c.execute(
            text(
                "SELECT count(pg_advisory_xact_lock(k)) FROM "
                "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS in_order"
            ),
            {"keys": sorted({advisory_key(key) for key in keys})},
        )

    def thread_index(
        self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]
    ) -> ThreadIndex:
        """Open cases holding these tweets, conversations or authors (each author's newest open case).

        A tweet of a case that was merged belongs to the case it was merged into.
        """
        index = ThreadIndex(by_tweet={}, by_conversation={}, by_author={})
        is_open = complaints.c.status.in_(OPEN)
        held = complaints.c.status.in_([*OPEN, Status.MERGED.value])
        found: dict[str, int] = {}
        for chunk in chunks(tweet_ids):
            query = (
                select(messages.c.external_id, messages.c.complaint_id)
                .join(complaints, complaints.c.id == messages.c.complaint_id)
                .where(messages.c.source == source, one_of(self._c, messages.c.external_id, chunk), held)
            )
            found.update({external_id: case_id for external_id, case_id in self._c.execute(query)})
        open_case = self._open_case_of(set(found.values()))
        index.by_tweet.update({tweet: open_case[case] for tweet, case in found.items() if case in open_case})
        for chunk in chunks(conversation_ids):
            query = (
                select(complaints.c.conversation_id, complaints.c.id)
                .where(complaints.c.source == source, one_of(self._c, complaints.c.conversation_id, chunk), is_open)
                .order_by(complaints.c.id.desc())
            )
            index.by_conversation.update({conversation: case_id for conversation, case_id in self._c.execute(query)})
        for chunk in chunks(authors):
            query = (
                select(complaints.c.author_key, complaints.c.id, complaints.c.created_at)
                .where(complaints.c.source == source, one_of(self._c, complaints.c.author_key, chunk), is_open)
                .order_by(complaints.c.created_at)
            )
            for row in self._c.execute(query):
                index.by_author[row.author_key] = OpenCase(row.id, row.created_at)
        return index

    def _open_case_of(self, case_ids: set[int]) -> dict[int, int]:
        """Each case's open case: itself when open, else the open case its merges lead to (if any)."""
        resolved: dict[int, int] = {}
        pending = {case: case for case in case_ids}  # the case asked about -> where its chain has got to
        for _ in range(MAX_MERGE_HOPS):
            if not pending:
                break
            rows = self._c.execute(
                select(complaints.c.id, complaints.c.status, complaints.c.merged_into).where(
                    complaints.c.id.in_(set(pending.values()))
                )
            ).all()
            step = {row.id: row for row in rows}
            moved: dict[int, int] = {}
            for asked, at in pending.items():
                row = step.get(at)
                if row is None:
                    continue
                if row.status in OPEN:
                    resolved[asked] = at
                elif row.status == Status.MERGED.value and row.merged_into is not None:
                    moved[asked] = row.merged_into
            pending = moved
        return resolved

    def count_followups(self, counts: dict[int, int]) -> dict[int, FollowupCount]:
        """Add to cases' follow-up counts (one executemany); return the new counts, ranks and whether carded."""
        if not counts:
            return {}
        if self._c.dialect.name == "postgresql":
            ordered = sorted(counts.items())
            rows = self._c.execute(
                _PG_COUNT_FOLLOWUPS, {"ids": [k for k, _ in ordered], "added": [v for _, v in ordered]}
            )
            return {row.id: FollowupCount(row.followup_count, row.queue_rank, row.carded) for row in rows}
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
            case_id: FollowupCount(total, rank, bool(carded.get(case_id)))
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

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        """Record how the ticket went."""
        self._c.execute(update(complaints).where(complaints.c.id == complaint_id).values(**ticket_values(ticket)))
