"""Satisfaction in SQL: each case's rating on its row (asked, answered, 1 to 5), and a customer's "stop" on their
entry among the customers (keyed as the registry keys them, per network)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from handlers.intake.vip_registry import registry_key
from storage.sql.tables import complaints, customers


class SqlSurveys:
    """Ratings and stops, in the unit of work's transaction."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def asked(self, complaint_id: int, at: datetime) -> None:
        """Mark the case asked, once."""
        self._c.execute(
            update(complaints)
            .where(complaints.c.id == complaint_id, complaints.c.survey_asked_at.is_(None))
            .values(survey_asked_at=at)
        )

    def awaiting(self, source: str, author: str, since: datetime) -> int | None:
        """The customer's newest case asked since `since` and not answered."""
        c = complaints.c
        return self._c.execute(
            select(c.id)
            .where(
                c.source == source,
                c.author_key == author.lower(),
                c.survey_asked_at >= since,
                c.survey_rating.is_(None),
            )
            .order_by(c.survey_asked_at.desc(), c.id.desc())
            .limit(1)
        ).scalar()

    def answer(self, complaint_id: int, rating: int, at: datetime) -> bool:
        """Keep the first answer."""
        done = self._c.execute(
            update(complaints)
            .where(complaints.c.id == complaint_id, complaints.c.survey_rating.is_(None))
            .values(survey_rating=rating, survey_answered_at=at)
        )
        return done.rowcount == 1

    def stop(self, source: str, author: str, at: datetime) -> None:
        """Record the stop on the customer's entry (made, as a standard customer, if they have none)."""
        key = registry_key(source, author.lower())
        found = self._c.execute(update(customers).where(customers.c.handle == key).values(private_stopped_at=at))
        if found.rowcount == 0:
            self._c.execute(insert(customers).values(handle=key, updated_at=at, private_stopped_at=at))

    def stopped(self, source: str, author: str) -> bool:
        """Whether the customer's entry records a stop."""
        key = registry_key(source, author.lower())
        at = self._c.execute(select(func.max(customers.c.private_stopped_at)).where(customers.c.handle == key))
        return at.scalar() is not None
