"""A decision written whole: the compare-and-set UPDATE, its audit event and its outbox messages. On PostgreSQL one
statement (the UPDATE ... RETURNING in a CTE, the inserts reading from it), so a click's decision makes one round
trip to write, not three; the inserts land only with the UPDATE. Elsewhere (SQLite), the same three one by one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Update, column, exists, literal, select, values
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from handlers.domain.complaint import AuditEvent
from handlers.ports.clock import Clock
from handlers.ports.outbox import NewOutboxMessage
from storage.sql.outbox import outbox_rows
from storage.sql.repositories import audit_values
from storage.sql.set_queries import insert_or_ignore
from storage.sql.tables import audit_events, complaints, outbox


def write_recorded(
    connection: Connection,
    clock: Clock,
    conditional_update: Update,
    event: AuditEvent,
    messages: Sequence[NewOutboxMessage],
) -> bool:
    """Run `conditional_update`; only if it landed, add `event` and `messages` (keys already queued are skipped).
    True if it landed."""
    rows = outbox_rows(messages, clock.now())
    if connection.dialect.name != "postgresql":
        if connection.execute(conditional_update).rowcount != 1:
            return False
        connection.execute(audit_events.insert().values(**audit_values(event)))
        if rows:
            connection.execute(insert_or_ignore(connection, outbox), rows)
        return True
    moved = conditional_update.returning(complaints.c.id).cte("moved")
    audit = audit_values(event)
    audited = (
        audit_events.insert()
        .from_select(
            list(audit),
            select(*(literal(value, audit_events.c[name].type) for name, value in audit.items())).where(
                exists(select(moved.c.id))
            ),
        )
        .returning(audit_events.c.id)
        .cte("audited")
    )
    statement = select(moved.c.id).add_cte(audited)
    if rows:
        names = list(rows[0])
        given = values(*(column(name, outbox.c[name].type) for name in names), name="given").data(
            [tuple(row[name] for name in names) for row in rows]
        )
        queued = (
            postgresql_insert(outbox)
            .from_select(names, select(*given.c).where(exists(select(moved.c.id))))
            .on_conflict_do_nothing()
            .returning(outbox.c.id)
            .cte("queued")
        )
        statement = statement.add_cte(queued)
    return connection.execute(statement).first() is not None
