"""SQL repositories for complaints, customers, the audit trail, the outbox and checkpoints."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import (
    ARRAY,
    JSON,
    Connection,
    RowMapping,
    Table,
    and_,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from handlers.followups import OpenCase
from handlers.lifecycle import OPEN_STATUSES
from handlers.model import (
    Actor,
    AuditEvent,
    CardRef,
    Change,
    Complaint,
    Delivery,
    IncomingComplaint,
    Message,
    MessageKind,
    NewCase,
    PublicReply,
    Status,
    Ticket,
)
from handlers.ports import Clock, DuplicateKey, NewOutboxMessage, OutboxMessage, ThreadIndex
from storage.sql.tables import audit_events, checkpoints, complaints, customers, messages, outbox

_OPEN = [status.value for status in OPEN_STATUSES]
_CHUNK = 5000  # ids per IN (...) list or array


def _complaint(row: RowMapping) -> Complaint:
    owner = None
    if row["owner_id"] is not None:
        owner = Actor(id=row["owner_id"], name=row["owner_name"] or row["owner_id"], surface=row["owner_surface"] or "")
    card = None
    if row["card_channel"] is not None:
        card = CardRef(channel=row["card_channel"], message_id=row["card_message_id"])
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
        status=Status(row["status"]),
        version=row["version"],
        tier=row["tier"],
        url=row["url"],
        conversation_id=row["conversation_id"],
        in_reply_to_id=row["in_reply_to_id"],
        mentions_us=bool(row["mentions_us"]),
        owner=owner,
        claimed_at=row["claimed_at"],
        card=card,
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


def _chunks(values: set[str]) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


def _one_of(connection: Connection, column: Any, values: list[Any]) -> Any:
    """`column IN values`: one array parameter on PostgreSQL (= ANY), which parses once whatever the count."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows known to be new: COPY on PostgreSQL (several times faster than INSERT), executemany elsewhere.

    A unique-key violation (a concurrent writer stored the same post) raises DuplicateKey.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        try:
            connection.execute(insert(table), rows)
        except IntegrityError as exc:
            raise DuplicateKey(str(exc.orig)) from exc
        return
    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    raw = connection.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([Json(row[c]) if c in json_columns else row[c] for c in columns])
    except psycopg.errors.UniqueViolation as exc:
        raise DuplicateKey(str(exc)) from exc


def _insert_or_ignore(connection: Connection, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql_insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    raise ValueError(f"Squeaky runs on PostgreSQL or SQLite, not {dialect}")


class SqlComplaintRepository:
    """Complaints in the `complaints` table."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_many(self, cases: list[NewCase]) -> list[int]:
        """Insert new cases in one statement; their ids come back in the same order."""
        _bulk_insert(self._c, complaints, [_case_row(case) for case in cases])
        ids: dict[tuple[str, str], int] = {}
        for source in {case.incoming.source for case in cases}:
            wanted = {case.incoming.external_id for case in cases if case.incoming.source == source}
            for chunk in _chunks(wanted):
                query = select(complaints.c.external_id, complaints.c.id).where(
                    complaints.c.source == source, _one_of(self._c, complaints.c.external_id, chunk)
                )
                ids.update({(source, external_id): case_id for external_id, case_id in self._c.execute(query)})
        return [ids[(case.incoming.source, case.incoming.external_id)] for case in cases]

    def thread_index(
        self, source: str, tweet_ids: set[str], conversation_ids: set[str], authors: set[str]
    ) -> ThreadIndex:
        """Open cases holding these tweets, conversations or authors (each author's newest open case)."""
        index = ThreadIndex(by_tweet={}, by_conversation={}, by_author={})
        is_open = complaints.c.status.in_(_OPEN)
        for chunk in _chunks(tweet_ids):
            query = (
                select(messages.c.external_id, messages.c.complaint_id)
                .join(complaints, complaints.c.id == messages.c.complaint_id)
                .where(messages.c.source == source, _one_of(self._c, messages.c.external_id, chunk), is_open)
            )
            index.by_tweet.update({external_id: case_id for external_id, case_id in self._c.execute(query)})
        for chunk in _chunks(conversation_ids):
            query = (
                select(complaints.c.conversation_id, complaints.c.id)
                .where(complaints.c.source == source, _one_of(self._c, complaints.c.conversation_id, chunk), is_open)
                .order_by(complaints.c.id.desc())
            )
            index.by_conversation.update({conversation: case_id for conversation, case_id in self._c.execute(query)})
        for chunk in _chunks(authors):
            query = (
                select(complaints.c.author_key, complaints.c.id, complaints.c.created_at)
                .where(complaints.c.source == source, _one_of(self._c, complaints.c.author_key, chunk), is_open)
                .order_by(complaints.c.created_at)
            )
            for row in self._c.execute(query):
                index.by_author[row.author_key] = OpenCase(row.id, row.created_at)
        return index

    def count_followups(self, counts: dict[int, int]) -> dict[int, int]:
        """Add to cases' follow-up counts (one executemany); return the new counts."""
        if not counts:
            return {}
        statement = (
            update(complaints)
            .where(complaints.c.id == bindparam("case_id"))
            .values(followup_count=complaints.c.followup_count + bindparam("added"))
        )
        self._c.execute(statement, [{"case_id": k, "added": v} for k, v in sorted(counts.items())])
        query = select(complaints.c.id, complaints.c.followup_count).where(
            _one_of(self._c, complaints.c.id, sorted(counts))
        )
        return {case_id: total for case_id, total in self._c.execute(query)}

    def get(self, complaint_id: int) -> Complaint | None:
        """Return one complaint, or None."""
        row = self._c.execute(select(complaints).where(complaints.c.id == complaint_id)).mappings().first()
        return _complaint(row) if row else None

    def compare_and_set(self, complaint: Complaint, change: Change) -> bool:
        """One conditional UPDATE on status and version; True if this caller's change landed."""
        values: dict[str, Any] = {"status": change.status.value, "version": complaints.c.version + 1}
        if change.clear_owner:
            values.update(owner_id=None, owner_name=None, owner_surface=None, claimed_at=None)
        elif change.owner is not None:
            values.update(
                owner_id=change.owner.id,
                owner_name=change.owner.name,
                owner_surface=change.owner.surface,
                claimed_at=change.claimed_at,
            )
        if change.reply is not None:
            values.update(_reply_values(change.reply))
        if change.ticket is not None:
            values.update(_ticket_values(change.ticket))
        if change.dismiss_reason is not None:
            values["dismiss_reason"] = change.dismiss_reason
        if change.merged_into is not None:
            values["merged_into"] = change.merged_into
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

    def set_card(self, complaint_id: int, card: CardRef) -> None:
        """Remember where the card lives."""
        self._c.execute(
            update(complaints)
            .where(complaints.c.id == complaint_id)
            .values(card_channel=card.channel, card_message_id=card.message_id)
        )


def _case_row(case: NewCase) -> dict[str, Any]:
    item = case.incoming
    return {
        "source": item.source,
        "external_id": item.external_id,
        "author_id": item.author_id,
        "author_handle": item.author_handle,
        "author_key": item.author_handle.lower(),
        "author_name": item.author_name,
        "text": item.text,
        "url": item.url,
        "conversation_id": item.conversation_id,
        "in_reply_to_id": item.in_reply_to_id,
        "mentions_us": item.mentions_us,
        "created_at": item.created_at,
        "received_at": case.received_at,
        "status": Status.NEW.value,
        "version": 1,
        "tier": case.tier,
        "topic": case.topic,
        "skill_group": case.skill_group,
        "priority": case.priority,
        "priority_reasons": list(case.priority_reasons),
        "queue_rank": case.queue_rank,
        "noise_rule": case.noise_rule,
        "followup_count": 0,
    }


class SqlMessageRepository:
    """Every post seen, in the `messages` table."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def known(self, source: str, external_ids: set[str]) -> set[str]:
        """Which of these ids are stored already."""
        found: set[str] = set()
        for chunk in _chunks(external_ids):
            query = select(messages.c.external_id).where(
                messages.c.source == source, _one_of(self._c, messages.c.external_id, chunk)
            )
            found.update(self._c.execute(query).scalars())
        return found

    def add_many(self, batch: list[Message]) -> None:
        """Store messages in one statement."""
        if not batch:
            return
        rows = [
            {
                "source": m.incoming.source,
                "external_id": m.incoming.external_id,
                "complaint_id": m.complaint_id,
                "kind": m.kind.value,
                "author_handle": m.incoming.author_handle,
                "text": m.incoming.text,
                "created_at": m.incoming.created_at,
                "received_at": m.received_at,
                "conversation_id": m.incoming.conversation_id,
                "in_reply_to_id": m.incoming.in_reply_to_id,
                "note": m.note,
            }
            for m in batch
        ]
        _bulk_insert(self._c, messages, rows)

    def get(self, source: str, external_id: str) -> Message | None:
        """One stored message."""
        query = select(messages).where(messages.c.source == source, messages.c.external_id == external_id)
        row = self._c.execute(query).mappings().first()
        return _message(row) if row else None

    def filtered(self, limit: int) -> list[Message]:
        """The newest filtered posts."""
        query = (
            select(messages)
            .where(messages.c.kind == MessageKind.FILTERED.value)
            .order_by(messages.c.received_at.desc(), messages.c.id.desc())
            .limit(limit)
        )
        return [_message(row) for row in self._c.execute(query).mappings()]

    def for_complaint(self, complaint_id: int) -> list[Message]:
        """Every post on a case, oldest first."""
        query = (
            select(messages)
            .where(messages.c.complaint_id == complaint_id)
            .order_by(messages.c.created_at, messages.c.id)
        )
        return [_message(row) for row in self._c.execute(query).mappings()]

    def filtered_counts(self) -> dict[str, int]:
        """How many posts each noise rule filtered out."""
        query = (
            select(messages.c.note, func.count())
            .where(messages.c.kind == MessageKind.FILTERED.value)
            .group_by(messages.c.note)
        )
        return {str(rule): int(count) for rule, count in self._c.execute(query)}


def _message(row: RowMapping) -> Message:
    item = IncomingComplaint(
        source=row["source"],
        external_id=row["external_id"],
        author_id=row["author_handle"],
        author_handle=row["author_handle"],
        author_name=row["author_handle"],
        text=row["text"],
        created_at=row["created_at"],
        conversation_id=row["conversation_id"],
        in_reply_to_id=row["in_reply_to_id"],
    )
    return Message(item, MessageKind(row["kind"]), row["received_at"], row["complaint_id"], row["note"])


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
        for chunk in _chunks({_handle(h) for h in handles}):
            query = select(customers.c.handle, customers.c.tier).where(_one_of(self._c, customers.c.handle, chunk))
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

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def enqueue(
        self, kind: str, key: str, complaint_id: int | None, payload: Mapping[str, Any], rank: float = 0.0
    ) -> None:
        """Add a message unless one with the same idempotency key exists."""
        self.enqueue_many([NewOutboxMessage(kind, key, complaint_id, payload, rank)])

    def enqueue_many(self, batch: list[NewOutboxMessage]) -> None:
        """Add messages in one statement; those whose idempotency key exists already are skipped."""
        if not batch:
            return
        now = self._clock.now()
        rows = [
            {
                "kind": m.kind,
                "key": m.key,
                "complaint_id": m.complaint_id,
                "payload": dict(m.payload),
                "status": "pending",
                "attempts": 0,
                "available_at": now,
                "created_at": now,
                "rank": m.rank,
            }
            for m in batch
        ]
        self._c.execute(_insert_or_ignore(self._c, outbox), rows)

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, complaint_id: int | None = None
    ) -> list[OutboxMessage]:
        """Lease due messages with a compare-and-set on the lease, so two executors never take the same one."""
        due = and_(
            outbox.c.status == "pending",
            outbox.c.available_at <= now,
            or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now),
        )
        query = select(outbox).where(due).order_by(outbox.c.rank.desc(), outbox.c.id).limit(limit)
        if complaint_id is not None:
            query = query.where(outbox.c.complaint_id == complaint_id)
        leased: list[OutboxMessage] = []
        until = now + timedelta(seconds=lease_seconds)
        for row in self._c.execute(query).mappings().all():
            taken = self._c.execute(
                update(outbox)
                .where(outbox.c.id == row["id"], outbox.c.attempts == row["attempts"], due)
                .values(leased_until=until, attempts=outbox.c.attempts + 1)
            )
            if taken.rowcount == 1:
                leased.append(
                    OutboxMessage(
                        id=row["id"],
                        kind=row["kind"],
                        key=row["key"],
                        complaint_id=row["complaint_id"],
                        payload=row["payload"],
                        attempts=row["attempts"] + 1,
                    )
                )
        return leased

    def mark_done(self, message_id: int, now: datetime) -> None:
        """The side effect happened."""
        self._c.execute(
            update(outbox).where(outbox.c.id == message_id).values(status="done", done_at=now, leased_until=None)
        )

    def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        """Release the lease and make the message due again at `at`."""
        self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(available_at=at, leased_until=None, last_error=error[:2000])
        )

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
        if changed.rowcount == 0:
            self._c.execute(insert(checkpoints).values(name=name, value=value, updated_at=now))
