"""SQL repositories for complaints, customers, the audit trail, the outbox and checkpoints."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from handlers.model import Actor, AuditEvent, CardRef, Change, Complaint, IncomingComplaint, Status
from handlers.ports import Clock, OutboxMessage
from storage.sql.tables import audit_events, checkpoints, complaints, customers, outbox


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
    )


def _insert_ignoring_duplicate(connection: Connection, statement: Any) -> bool:
    """Run an INSERT inside a savepoint; False (and nothing written) if it broke a unique key."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(statement)
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


class SqlComplaintRepository:
    """Complaints in the `complaints` table."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, incoming: IncomingComplaint, received_at: datetime, tier: str) -> Complaint | None:
        """Insert a new complaint; None if (source, external_id) is already stored."""
        values = {
            "source": incoming.source,
            "external_id": incoming.external_id,
            "author_id": incoming.author_id,
            "author_handle": incoming.author_handle,
            "author_name": incoming.author_name,
            "text": incoming.text,
            "url": incoming.url,
            "conversation_id": incoming.conversation_id,
            "in_reply_to_id": incoming.in_reply_to_id,
            "mentions_us": incoming.mentions_us,
            "created_at": incoming.created_at,
            "received_at": received_at,
            "status": Status.NEW.value,
            "version": 1,
            "tier": tier,
        }
        exists = select(complaints.c.id).where(
            complaints.c.source == incoming.source, complaints.c.external_id == incoming.external_id
        )
        if self._c.execute(exists).first() is not None:
            return None
        if not _insert_ignoring_duplicate(self._c, insert(complaints).values(**values)):
            return None  # a concurrent delivery won the unique key
        row = (
            self._c.execute(
                select(complaints).where(
                    complaints.c.source == incoming.source, complaints.c.external_id == incoming.external_id
                )
            )
            .mappings()
            .one()
        )
        return _complaint(row)

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

    def set_card(self, complaint_id: int, card: CardRef) -> None:
        """Remember where the card lives."""
        self._c.execute(
            update(complaints)
            .where(complaints.c.id == complaint_id)
            .values(card_channel=card.channel, card_message_id=card.message_id)
        )


class SqlCustomerRepository:
    """Customers' tiers in the `customers` table."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def tier_of(self, handle: str) -> str:
        """The customer's tier, "standard" when not registered."""
        tier = self._c.execute(select(customers.c.tier).where(customers.c.handle == _handle(handle))).scalar()
        return tier or "standard"

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

    def enqueue(self, kind: str, key: str, complaint_id: int | None, payload: Mapping[str, Any]) -> None:
        """Add a message unless one with the same idempotency key exists."""
        now = self._clock.now()
        _insert_ignoring_duplicate(
            self._c,
            insert(outbox).values(
                kind=kind,
                key=key,
                complaint_id=complaint_id,
                payload=dict(payload),
                status="pending",
                attempts=0,
                available_at=now,
                created_at=now,
            ),
        )

    def lease_due(
        self, now: datetime, lease_seconds: float, limit: int, complaint_id: int | None = None
    ) -> list[OutboxMessage]:
        """Lease due messages with a compare-and-set on the lease, so two executors never take the same one."""
        due = and_(
            outbox.c.status == "pending",
            outbox.c.available_at <= now,
            or_(outbox.c.leased_until.is_(None), outbox.c.leased_until < now),
        )
        query = select(outbox).where(due).order_by(outbox.c.id).limit(limit)
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
