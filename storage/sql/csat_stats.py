"""Satisfaction in SQL: over the cases closed in a period, how many moved to a private conversation, were asked the
satisfaction question, answered it, and how they rated; in all, and by queue, agent, network, tier and topic, in one
statement per dimension."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Integer, case, func, literal, select

from handlers.domain.stats import CsatRow, Period
from storage.sql.tables import complaints

SATISFIED = 4  # a rating of 4 or 5 counts as satisfied


def csat_rows(connection: Connection, period: Period, queue: str | None = None) -> list[CsatRow]:
    """Every dimension's rows, "all" first, each dimension's busiest first."""
    c = complaints.c
    dimensions: dict[str, Any] = {
        "all": literal("all"),
        "queue": c.queue,
        "agent": func.coalesce(c.owner_name, "nobody"),
        "network": c.source,
        "tier": c.tier,
        "topic": c.topic,
    }
    where = [c.resolved_at >= period.start, c.resolved_at < period.end, c.status == "closed"]
    if queue is not None:
        where.append(c.queue == queue)
    rows: list[CsatRow] = []
    for name, key in dimensions.items():
        query = (
            select(
                key.label("key"),
                func.count().label("closed"),
                func.sum(case((c.private_status == "sent", 1), else_=0)).label("moved"),
                func.count(c.survey_asked_at).label("asked"),
                func.count(c.survey_rating).label("answered"),
                func.coalesce(func.sum(c.survey_rating), 0).cast(Integer).label("rating_sum"),
                func.coalesce(func.sum(case((c.survey_rating >= SATISFIED, 1), else_=0)), 0).label("satisfied"),
            )
            .where(*where)
            .group_by(key)
        )
        found = [
            CsatRow(
                name, str(r.key), r.closed, int(r.moved or 0), r.asked, r.answered, r.rating_sum, int(r.satisfied or 0)
            )
            for r in connection.execute(query)
        ]
        rows += sorted(found, key=lambda row: (-row.closed, row.key))
    return rows
