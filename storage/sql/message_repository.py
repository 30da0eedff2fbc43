"""SQL storage of every post seen: openings, follow-ups, our replies, and what the noise rules filtered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    func,
    or_,
    select,
    update,
)

from handlers.domain.complaint import IncomingComplaint, Message, MessageKind
from storage.sql.set_queries import bulk_insert, chunks, copy_rows, one_of
from storage.sql.tables import messages

_COLUMNS = (
    "source", "external_id", "complaint_id", "kind", "author_handle", "text", "created_at", "received_at",
    "conversation_id", "in_reply_to_id", "note",
)  # fmt: skip


def _values(m: Message) -> tuple[Any, ...]:
    """A message's row, in _COLUMNS' order."""
    i = m.incoming
    return (
        i.source, i.external_id, m.complaint_id, m.kind.value, i.author_handle, i.text, i.created_at, m.received_at,
        i.conversation_id, i.in_reply_to_id, m.note,
    )  # fmt: skip


class SqlMessageRepository:
    """Every post seen, in the `messages` table."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def known(self, source: str, external_ids: set[str]) -> set[str]:
        """Which of these ids are stored already."""
        found: set[str] = set()
        for chunk in chunks(external_ids):
            query = select(messages.c.external_id).where(
                messages.c.source == source, one_of(self._c, messages.c.external_id, chunk)
            )
            found.update(self._c.execute(query).scalars())
        return found

    def add_many(self, batch: list[Message]) -> None:
        """Store messages in one statement (PostgreSQL: COPY, each row written as it is read off the message)."""
        if not batch:
            return
        if self._c.dialect.name == "postgresql":
            copy_rows(self._c, messages, _COLUMNS, map(_values, batch))
            return
        bulk_insert(self._c, messages, [dict(zip(_COLUMNS, _values(m), strict=True)) for m in batch])

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

    def carry(self, complaint_id: int, key: str) -> list[Message]:
        """The case's messages the ticket request `key` carries, fixed on its first try: those marked with `key`,
        else every message of the case, marked now (a retry sends the same conversation), oldest first."""
        order = (messages.c.created_at, messages.c.id)
        mine = select(messages).where(messages.c.complaint_id == complaint_id, messages.c.ticket_key == key)
        found = [_message(row) for row in self._c.execute(mine.order_by(*order)).mappings()]
        if found:
            return found
        self._c.execute(update(messages).where(messages.c.complaint_id == complaint_id).values(ticket_key=key))
        return [_message(row) for row in self._c.execute(mine.order_by(*order)).mappings()]

    def not_carried(self, complaint_id: int, key: str) -> list[Message]:
        """The case's messages the ticket request `key` does not carry (stored after its first try), oldest first."""
        query = (
            select(messages)
            .where(
                messages.c.complaint_id == complaint_id,
                or_(messages.c.ticket_key.is_(None), messages.c.ticket_key != key),
            )
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
