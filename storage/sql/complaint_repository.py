"""SQL storage of complaints (cases): inserts in batches, the compare-and-set, threading lookups, outcomes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import case as sql_case

from handlers.cases.lifecycle import OPEN_STATUSES
from handlers.domain.complaint import (
    Actor,
    CardRef,
    Change,
    Complaint,
    Delivery,
    NewCase,
    OpenCase,
    PublicReply,
    Status,
    Ticket,
)
from handlers.domain.late import LateQueue
from handlers.ports.clock import Clock
from handlers.ports.complaints import FollowupCount, ThreadIndex, WaitScope
from storage.sql.advisory import INTAKE_LOCK, MAX_THREAD_LOCKS, advisory_key
from storage.sql.set_queries import bulk_insert, chunks, one_of
from storage.sql.tables import complaint_cards, complaints, messages, people

_OPEN = [status.value for status in OPEN_STATUSES]
MAX_MERGE_HOPS = 8  # a chain of merges (A into B, B into C) is followed this far


# A complaint with its owner's name and identities: what every read of whole complaints selects.
_WITH_OWNER = select(
    complaints, people.c.display_name.label("owner_display_name"), people.c.identities.label("owner_identities")
).select_from(complaints.outerjoin(people, people.c.id == complaints.c.owner_person_id))


# The same with its cards, one row per card (one round trip for the outbox's reads of a complaint).
_WITH_OWNER_AND_CARDS = select(
    complaints,
    people.c.display_name.label("owner_display_name"),
    people.c.identities.label("owner_identities"),
    complaint_cards.c.surface.label("card_surface"),
    complaint_cards.c.channel.label("card_channel"),
    complaint_cards.c.reference.label("card_reference"),
    complaint_cards.c.posted_at.label("card_posted_at"),
).select_from(
    complaints.outerjoin(people, people.c.id == complaints.c.owner_person_id).outerjoin(
        complaint_cards, complaint_cards.c.complaint_id == complaints.c.id
    )
)


def _complaint(row: RowMapping, cards: tuple[CardRef, ...] = ()) -> Complaint:
    owner = None
    if row["owner_person_id"] is not None:
        key = str(row["owner_person_id"])
        name = row["owner_display_name"] or row["owner_name"] or key
        owner = Actor(id=key, name=name, surface="", handles=dict(row["owner_identities"] or {}))
    return Complaint(
        id=row["id"],
        source=row["source"],
        external_id=row["external_id"],
        author_id=row["author_id"],
        author_handle=row["author_handle"],
        author_name=row["author_name"],
        text=row["text"],
        created_at=row["created_at"],
        received_at=row["received_at"],
        posted_at=row["posted_at"],
        fingerprint=row["fingerprint"],
        status=Status(row["status"]),
        version=row["version"],
        tier=row["tier"],
        url=row["url"],
        conversation_id=row["conversation_id"],
        in_reply_to_id=row["in_reply_to_id"],
        mentions_us=bool(row["mentions_us"]),
        post_cid=row["post_cid"],
        visibility=row["visibility"],
        author_url=row["author_url"],
        owner=owner,
        claimed_at=row["claimed_at"],
        cards=cards,
        topic=row["topic"],
        skill_group=row["skill_group"],
        priority=row["priority"],
        priority_reasons=tuple(row["priority_reasons"] or ()),
        noise_rule=row["noise_rule"],
        followup_count=row["followup_count"],
        reply=_reply(row),
        ticket=_ticket(row),
        dismiss_reason=row["dismiss_reason"],
        merged_into=row["merged_into"],
        first_claimed_at=row["first_claimed_at"],
        acknowledged_at=row["acknowledged_at"],
        ticketed_at=row["ticketed_at"],
        resolved_at=row["resolved_at"],
        sla_stage=row["sla_stage"],
        paged_alone=bool(row["paged_alone"]),
        requeued_at=row["requeued_at"],
        queue=row["queue"],
    )


def _reply(row: RowMapping) -> PublicReply | None:
    if row["reply_status"] is None:
        return None
    return PublicReply(
        text=row["reply_text"] or "",
        status=Delivery(row["reply_status"]),
        post_id=row["reply_post_id"],
        url=row["reply_url"],
        error=row["reply_error"],
    )


def _ticket(row: RowMapping) -> Ticket | None:
    if row["ticket_status"] is None:
        return None
    return Ticket(
        system=row["ticket_system"] or "",
        subject=row["ticket_subject"] or "",
        status=Delivery(row["ticket_status"]),
        number=row["ticket_number"],
        url=row["ticket_url"],
        error=row["ticket_error"],
    )


def _reply_values(reply: PublicReply) -> dict[str, Any]:
    return {
        "reply_text": reply.text,
        "reply_status": reply.status.value,
        "reply_post_id": reply.post_id,
        "reply_url": reply.url,
        "reply_error": reply.error,
    }


def _ticket_values(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_system": ticket.system,
        "ticket_subject": ticket.subject,
        "ticket_status": ticket.status.value,
        "ticket_number": ticket.number,
        "ticket_url": ticket.url,
        "ticket_error": ticket.error,
    }


class SqlComplaintRepository:
    """Complaints in the `complaints` table."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def add_many(self, cases: list[NewCase]) -> list[int]:
        """Insert new cases in one statement; their ids come back in the same order."""
        bulk_insert(self._c, complaints, [_case_row(case) for case in cases])
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
        is_open = complaints.c.status.in_(_OPEN)
        held = complaints.c.status.in_([*_OPEN, Status.MERGED.value])
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
                if row.status in _OPEN:
                    resolved[asked] = at
                elif row.status == Status.MERGED.value and row.merged_into is not None:
                    moved[asked] = row.merged_into
            pending = moved
        return resolved

    def count_followups(self, counts: dict[int, int]) -> dict[int, FollowupCount]:
        """Add to cases' follow-up counts (one executemany); return the new counts, ranks and whether carded."""
        if not counts:
            return {}
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
        rows = self._c.execute(_WITH_OWNER_AND_CARDS.where(complaints.c.id == complaint_id)).mappings().all()
        if not rows:
            return None
        cards = tuple(
            CardRef(r["card_surface"], r["card_channel"], dict(r["card_reference"] or {}))
            for r in sorted(rows, key=lambda r: (r["card_posted_at"] or r["received_at"], r["card_surface"] or ""))
            if r["card_surface"] is not None
        )
        return _complaint(rows[0], cards)

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
            values.update(_reply_values(change.reply))
        if change.ticket is not None:
            values.update(_ticket_values(change.ticket))
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
        self._c.execute(update(complaints).where(complaints.c.id == complaint_id).values(**_reply_values(reply)))

    def record_ticket(self, complaint_id: int, ticket: Ticket) -> None:
        """Record how the ticket went."""
        self._c.execute(update(complaints).where(complaints.c.id == complaint_id).values(**_ticket_values(ticket)))

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
        query = _WITH_OWNER.where(c.status == Status.NEW.value, c.sla_stage < below_stage, since <= cutoff)
        if where.tiers is not None:
            query = query.where(c.tier.in_(list(where.tiers)))
        if where.not_tiers:
            query = query.where(c.tier.not_in(list(where.not_tiers)))
        if where.queue is not None:
            query = query.where(c.queue == where.queue)
        if where.not_queues:
            query = query.where(c.queue.not_in(list(where.not_queues)))
        return [_complaint(row) for row in self._c.execute(query.order_by(since).limit(limit)).mappings()]

    def open_of(self, handle: str) -> list[Complaint]:
        """A customer's open complaints, oldest first."""
        c = complaints.c
        open_ = [s.value for s in OPEN_STATUSES]
        query = _WITH_OWNER.where(c.author_key == handle.lower(), c.status.in_(open_)).order_by(c.received_at, c.id)
        return [_complaint(row) for row in self._c.execute(query.limit(500)).mappings()]

    def unacknowledged(
        self, *, queue: str | None = None, topic: str | None = None, since: datetime | None = None, limit: int,
        cluster: str | None = None,
    ) -> list[Complaint]:  # fmt: skip
        """Open complaints with no public reply yet (or only a failed one), oldest first; with `cluster`, only those
        sharing one of its near-duplicate keys."""
        c = complaints.c
        open_ = [Status.NEW.value, Status.CLAIMED.value, Status.TICKETED.value]
        query = _WITH_OWNER.where(c.status.in_(open_), or_(c.reply_status.is_(None), c.reply_status == "failed"))
        if queue is not None:
            query = query.where(c.queue == queue)
        if topic is not None:
            query = query.where(c.topic == topic)
        if since is not None:
            query = query.where(c.received_at >= since)
        if cluster is not None:
            query = query.where(sharing(c.fingerprint, cluster))
        return [_complaint(row) for row in self._c.execute(query.order_by(c.received_at, c.id).limit(limit)).mappings()]

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

    def add_card(self, complaint_id: int, card: CardRef) -> None:
        """Remember where one of its cards lives (a second post to the same surface and channel replaces it)."""
        key = (
            complaint_cards.c.complaint_id == complaint_id,
            complaint_cards.c.surface == card.surface,
            complaint_cards.c.channel == card.channel,
        )
        self._c.execute(delete(complaint_cards).where(*key))
        self._c.execute(
            insert(complaint_cards).values(
                complaint_id=complaint_id,
                surface=card.surface,
                channel=card.channel,
                reference=dict(card.data),
                posted_at=self._clock.now(),
            )
        )

    def move_card(self, complaint_id: int, old: CardRef, new: CardRef) -> None:
        """The card on a surface now lives at `new` (its queue's channel), no longer at `old`."""
        self._c.execute(
            delete(complaint_cards).where(
                complaint_cards.c.complaint_id == complaint_id,
                complaint_cards.c.surface == old.surface,
                complaint_cards.c.channel == old.channel,
            )
        )
        self.add_card(complaint_id, new)

    def cards_of(self, complaint_ids: Collection[int]) -> dict[int, list[CardRef]]:
        """The cards that are out for these complaints, in the order they were posted."""
        return cards_of(self._c, complaint_ids)


def cards_of(connection: Connection, complaint_ids: Collection[int]) -> dict[int, list[CardRef]]:
    """The cards that are out for these complaints, in the order they were posted."""
    found: dict[int, list[CardRef]] = {}
    for chunk in chunks(set(complaint_ids)):
        query = (
            select(complaint_cards)
            .where(one_of(connection, complaint_cards.c.complaint_id, chunk))
            .order_by(complaint_cards.c.posted_at, complaint_cards.c.surface)
        )
        for row in connection.execute(query).mappings():
            ref = CardRef(row["surface"], row["channel"], dict(row["reference"] or {}))
            found.setdefault(row["complaint_id"], []).append(ref)
    return found


def _case_row(case: NewCase) -> dict[str, Any]:
    item = case.incoming
    return {
        "source": item.source,
        "external_id": item.external_id,
        "author_id": item.author_id,
        "author_handle": item.author_handle,
        "author_key": item.author_handle.lower(),
        "author_name": item.author_name,
        "author_followers": item.author_followers,
        "text": item.text,
        "url": item.url,
        "conversation_id": item.conversation_id,
        "in_reply_to_id": item.in_reply_to_id,
        "mentions_us": item.mentions_us,
        "post_cid": item.post_cid,
        "visibility": item.visibility,
        "author_url": item.author_url,
        "created_at": item.created_at,
        "received_at": case.received_at,
        "posted_at": case.posted_at,
        "fingerprint": case.fingerprint,
        "status": Status.NEW.value,
        "version": 1,
        "tier": case.tier,
        "queue": case.queue,
        "topic": case.topic,
        "skill_group": case.skill_group,
        "priority": case.priority,
        "priority_reasons": list(case.priority_reasons),
        "queue_rank": case.queue_rank,
        "noise_rule": case.noise_rule,
        "followup_count": 0,
        "updated_at": case.received_at,
    }


def sharing(fingerprint: Any, keys: str) -> Any:
    """A condition: the fingerprint column holds one of `keys` (space-separated; keys have no LIKE wildcards)."""
    return or_(*(fingerprint.like(f"% {key} %") for key in keys.split())) if keys.split() else false()


def aware(value: Any) -> datetime:
    """A timestamp an aggregate returned: SQLite's MIN() gives the stored text, naive UTC."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
