"""SQL repositories for customers, the audit trail, the outbox and checkpoints."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from handlers.domain.complaint import Actor, AuditEvent, Status
from handlers.domain.people import Erased
from handlers.ports.clock import Clock
from storage.sql.erasure import erase_customer
from storage.sql.set_queries import chunks, insert_or_ignore, one_of
from storage.sql.tables import audit_events, checkpoints, customers


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

    def erase(self, handle: str, *, preview: bool = False) -> Erased:
        """Erase the customer everywhere in this transaction (storage.sql.erasure); `preview` only counts."""
        return erase_customer(self._c, handle, preview=preview)

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

    def blank_details(self, before: datetime, after_id: int, limit: int) -> list[int]:
        """Empty the details of up to `limit` events older than `before` with ids above `after_id`, up to the first
        one that is not (so none is ever passed over); return their ids, in order. Who did what, and when, stays."""
        chosen = (
            select(audit_events.c.id, audit_events.c.at)
            .where(audit_events.c.id > after_id)
            .order_by(audit_events.c.id)
            .limit(limit)
        )
        ids = [i for i, _at in itertools.takewhile(lambda row: row[1] < before, self._c.execute(chosen))]
        if ids:
            self._c.execute(update(audit_events).where(audit_events.c.id.in_(ids)).values(detail={}))
        return [int(i) for i in ids]

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
