"""Satisfaction in SQL: over the cases closed in a period, how many moved to a private conversation, were asked the
satisfaction question, answered it, and how they rated; in all, and by queue, agent, network, tier and topic, in one
statement per dimension."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Integer, case, extract, func, literal, select

from handlers.domain.stats import CsatRow, Period
from handlers.intake.follow_ups import PRIVATE_NOTE
from storage.sql.tables import complaints, messages

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
    if rows and rows[0].dimension == "all":
        rows[0] = replace(rows[0], to_private_p50=_to_private_p50(connection, where))
    return rows


def _to_private_p50(connection: Connection, where: list[Any]) -> float | None:
    """The median time from a case's arrival to our first private message in it, over the period's closed cases
    that had one (seconds)."""
    m, c = messages.c, complaints.c
    first = (
        select(m.complaint_id, func.min(m.received_at).label("at"))
        .where(m.kind == "brand", m.note == PRIVATE_NOTE)
        .group_by(m.complaint_id)
        .subquery()
    )
    took = extract("epoch", first.c.at - c.received_at)
    query = select(func.percentile_cont(0.5).within_group(took)).join_from(
        complaints, first, first.c.complaint_id == c.id
    )
    value = connection.execute(query.where(*where)).scalar()
    return float(value) if value is not None else None
