"""The history suggested replies learn from, in PostgreSQL: imported past replies and our own answered cases."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from handlers.domain.complaint import Delivery
from handlers.domain.suggestions import AnsweredCase, PastReply
from storage.sql.tables import complaints, past_replies

BATCH = 1_000
_SENT = and_(complaints.c.reply_status == Delivery.SENT.value, complaints.c.reply_text.is_not(None))


def _digest(past: PastReply) -> str:
    return hashlib.sha256(f"{past.brand}\x00{past.complaint}\x00{past.reply}".encode()).hexdigest()


class SqlReplyHistory:
    """Reads and keeps past replies; the database decides what the index learns from."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def imported(self) -> Iterator[PastReply]:
        """Every imported past reply, oldest first."""
        query = select(past_replies.c.brand, past_replies.c.complaint, past_replies.c.reply).order_by(past_replies.c.id)
        with self.engine.connect() as connection:
            for row in connection.execution_options(yield_per=BATCH).execute(query):
                yield PastReply(row.brand, row.complaint, row.reply)

    def answered(self) -> Iterator[AnsweredCase]:
        """Every case of ours whose public reply went out."""
        c = complaints.c
        query = select(c.id, c.queue, c.text, c.reply_text, c.author_handle, c.author_name).where(_SENT).order_by(c.id)
        with self.engine.connect() as connection:
            for row in connection.execution_options(yield_per=BATCH).execute(query):
                yield AnsweredCase(row.queue, row.id, row.text, row.reply_text, row.author_handle, row.author_name)

    def add(self, replies: Sequence[PastReply], origin: str) -> int:
        """Keep imported past replies; a pair already kept is skipped. How many were new."""
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        now = datetime.now(UTC)
        added = 0
        with self.engine.begin() as connection:
            for start in range(0, len(replies), BATCH):
                rows = [
                    {
                        "brand": past.brand[:64],
                        "complaint": past.complaint,
                        "reply": past.reply,
                        "origin": origin[:64],
                        "digest": _digest(past),
                        "imported_at": now,
                    }
                    for past in replies[start : start + BATCH]
                ]
                statement = insert(past_replies).values(rows).on_conflict_do_nothing(index_elements=["digest"])
                added += len(connection.execute(statement.returning(past_replies.c.id)).all())
        return added

    def stamp(self) -> tuple[int, int, int, int]:
        """Counts and newest ids of imported pairs and answered cases: changes whenever either does."""
        with self.engine.connect() as connection:
            imported = connection.execute(select(func.count(), func.coalesce(func.max(past_replies.c.id), 0))).one()
            sent = connection.execute(
                select(func.count(), func.coalesce(func.max(complaints.c.id), 0)).where(_SENT)
            ).one()
        return (int(imported[0]), int(imported[1]), int(sent[0]), int(sent[1]))
