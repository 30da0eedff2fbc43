"""Team statistics in SQL: figures from the rollup (see storage/sql/stats_rollup.py), live lists and counts."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text

from handlers.cases.lifecycle import OPEN_STATUSES
from handlers.domain.complaint import Status
from handlers.domain.sla import SlaPolicy, policy_for
from handlers.domain.stats import (
    CaseRecord,
    Compliance,
    CsatRow,
    Dimension,
    Fairness,
    Period,
    Row,
    SeriesPoint,
    ServedOrder,
    StatsReport,
    Waiting,
)
from handlers.domain.storm import QueueWaiting
from handlers.team.stats import SERVED_SAMPLE, at_most, band_order, durations, percentile, served_order
from storage.sql.complaint_cards import cards_of
from storage.sql.complaint_rows import aware as _aware
from storage.sql.csat_stats import csat_rows
from storage.sql.stats_rollup import Rollup, live_plan, seconds_sql
from storage.sql.tables import complaints

TOP_TOPICS = 5
# For the report's transaction on PostgreSQL: the live part's aggregates stay in memory, and a plan is made for
# each run's hours (a prepared statement's generic plan, which psycopg uses after five runs, scans them all).
SESSION = ("work_mem = '32MB'", "plan_cache_mode = force_custom_plan")
_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass
class _Cells:
    """Counts and histograms by (dim, value) and metric."""

    counts: dict[tuple[str, str], dict[str, dict[int, int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )

    def add(self, dim: str, value: str, metric: str, bucket: int, n: int) -> None:
        histogram = self.counts[(dim, value)][metric]
        histogram[bucket] = histogram.get(bucket, 0) + n

    def count(self, key: tuple[str, str], metric: str) -> int:
        return sum(self.counts.get(key, {}).get(metric, {}).values())

    def histogram(self, key: tuple[str, str], metric: str) -> dict[int, int]:
        return self.counts.get(key, {}).get(metric, {})

    def row(self, key: tuple[str, str], name: str) -> Row:
        return Row(
            name,
            received=self.count(key, "received"),
            claimed=self.count(key, "claimed"),
            acknowledged=self.count(key, "to_ack"),
            ticketed=self.count(key, "to_ticket"),
            dismissed=self.count(key, "dismissed"),
            to_claim=durations(self.histogram(key, "to_claim")),
            to_ack=durations(self.histogram(key, "to_ack")),
            to_ticket=durations(self.histogram(key, "to_ticket")),
        )

    def values(self, dim: str) -> list[str]:
        return sorted(value for d, value in self.counts if d == dim)


def limit_params(policies: dict[str, SlaPolicy]) -> dict[str, Any]:
    """Each tier's deadlines in seconds as bound parameters (tier names come from leads: never into the SQL)."""
    params: dict[str, Any] = {}
    for i, policy in enumerate(policies.values()):
        params.update(
            {f"tier{i}": policy.tier, f"claim{i}": policy.claim_minutes * 60, f"ack{i}": policy.ack_minutes * 60}
        )
    standard = policy_for(policies, "standard")
    params.update(claim_default=standard.claim_minutes * 60, ack_default=standard.ack_minutes * 60)
    return params


class SqlTeamStats:
    """Team statistics from the `complaints` table and its daily rollup."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._dialect = connection.dialect.name

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._dialect != "sqlite":
            return params
        # SQLite keeps naive UTC text (as UTCDateTime writes it): compare like with like.
        out: dict[str, Any] = {}
        for k, v in params.items():
            if isinstance(v, datetime):
                v = v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
            elif isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, list):
                v = [d.isoformat() if isinstance(d, date) else d for d in v]
            out[k] = v
        return out

    def _session(self) -> None:
        if self._dialect == "postgresql":
            for setting in SESSION:
                self._c.exec_driver_sql(f"SET LOCAL {setting}")

    def report(
        self,
        period: Period,
        policies: dict[str, SlaPolicy],
        by: Dimension | None,
        now: datetime,
        queue: str | None = None,
    ) -> StatsReport:
        """Volume, milestones, p50/p90 durations, service levels per tier, backlog and busiest topics (of one queue
        when `queue` is given)."""
        self._session()
        queries = self.queries(period, policies, by, now, queue)
        cells = _Cells()
        for dim, value, metric, bucket, n in self._c.execute(*queries["cells"]):
            cells.add(dim, str(value), metric, int(bucket), int(n))
        late = {str(tier): (int(a or 0), int(b or 0)) for tier, a, b in self._c.execute(*queries["late"])}
        compliance = []
        for tier in cells.values("tier"):
            policy = policy_for(policies, tier)
            key = ("tier", tier)
            took, acked = cells.histogram(key, "to_claim"), cells.histogram(key, "to_ack")
            claim_met = at_most(took, policy.claim_within.total_seconds())
            ack_met = at_most(acked, policy.ack_within.total_seconds())
            claim_late, ack_late = late.get(tier, (0, 0))
            compliance.append(
                Compliance(
                    tier,
                    claim_met,
                    sum(took.values()) - claim_met + claim_late,
                    ack_met,
                    sum(acked.values()) - ack_met + ack_late,
                )
            )
        topics = sorted(
            ((t, cells.count(("topic", t), "received")) for t in cells.values("topic")),
            key=lambda item: (-item[1], item[0]),
        )
        breakdown = []
        if by:
            rows = [cells.row((by, value), value) for value in cells.values(by)]
            breakdown = sorted(rows, key=lambda row: (-row.received, row.key))
        backlog, oldest = self._backlog(queries["backlog"])
        return StatsReport(
            period=period,
            total=cells.row(("all", ""), "all"),
            compliance=compliance,
            backlog=backlog,
            oldest_waiting=oldest,
            topics=topics[:TOP_TOPICS],
            by=by,
            breakdown=breakdown,
            queue=queue,
        )

    def fairness(self, period: Period, queue: str | None = None) -> Fairness:
        """Waits to claim and to acknowledge by tier, and by follower band within each tier."""
        self._session()
        rollup = Rollup(self._c, self._params)
        plan = live_plan(period.start, period.end) if queue else rollup.plan(period.start, period.end)
        cells = _Cells()
        for dim, value, metric, bucket, n in self._c.execute(*rollup.cells_sql(plan, ["tier", "band"], [], queue)):
            cells.add(dim, str(value), metric, int(bucket), int(n))
        tiers = sorted((cells.row(("tier", t), t) for t in cells.values("tier")), key=lambda r: (-r.received, r.key))
        bands: dict[str, list[Row]] = defaultdict(list)
        for value in cells.values("band"):
            tier, _, band = value.partition("|")
            bands[tier].append(cells.row(("band", value), band))
        ordered = {tier: sorted(rows, key=lambda r: band_order(r.key)) for tier, rows in bands.items()}
        return Fairness(period, tiers, ordered, queue, self._served_order(period, queue))

    def _served_order(self, period: Period, queue: str | None) -> ServedOrder:
        """Whether the latest cases served in `period` were served in the order their customers posted."""
        c = complaints.c
        query = select(c.priority, c.posted_at, c.first_claimed_at).where(
            c.received_at >= period.start, c.received_at < period.end, c.first_claimed_at.is_not(None)
        )
        if queue is not None:
            query = query.where(c.queue == queue)
        rows = self._c.execute(query.order_by(c.first_claimed_at.desc()).limit(SERVED_SAMPLE))
        return served_order((int(p), _aware(posted), _aware(claimed)) for p, posted, claimed in rows)

    def queries(
        self,
        period: Period,
        policies: dict[str, SlaPolicy],
        by: Dimension | None,
        now: datetime,
        queue: str | None = None,
    ) -> dict[str, tuple[Any, dict[str, Any]]]:
        """The statements a report runs, with their parameters: what `stats` is built on (the benchmark runs them
        bare). Planning which hours come from the rollup reads the watermark and the recently changed hours; one
        queue's figures are read live."""
        dims = ["all", "tier", "topic"] + ([by] if by and by not in ("tier", "topic") else [])
        rollup = Rollup(self._c, self._params)
        plan = live_plan(period.start, period.end) if queue else rollup.plan(period.start, period.end)
        cells = rollup.cells_sql(plan, dims, [] if by == "topic" else ["topic"], queue)
        waited = seconds_sql(self._dialect, ":now")
        claim_case = " ".join(f"WHEN :tier{i} THEN :claim{i}" for i in range(len(policies)))
        ack_case = " ".join(f"WHEN :tier{i} THEN :ack{i}" for i in range(len(policies)))
        late = text(
            f"SELECT tier, sum(CASE WHEN first_claimed_at IS NULL AND {waited} > "  # noqa: S608 - fixed fragments
            f"(CASE tier {claim_case} ELSE :claim_default END) THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN {waited} > (CASE tier {ack_case} ELSE :ack_default END) THEN 1 ELSE 0 END) "
            "FROM complaints WHERE status IN :waiting AND acknowledged_at IS NULL "
            "AND received_at >= :start AND received_at < :end "
            + ("AND queue = :only_queue " if queue else "")
            + "GROUP BY tier"
        ).bindparams(bindparam("waiting", expanding=True))
        waiting = [Status.NEW.value, Status.CLAIMED.value, Status.TICKETED.value]
        late_params = self._params(
            {"now": now, "waiting": waiting, "start": period.start, "end": period.end, **limit_params(policies)}
            | ({"only_queue": queue} if queue else {})
        )
        backlog = select(func.count(), func.min(func.coalesce(complaints.c.requeued_at, complaints.c.posted_at))).where(
            complaints.c.status == Status.NEW.value
        )
        if queue:
            backlog = backlog.where(complaints.c.queue == queue)
        return {"cells": cells, "late": (late, late_params), "backlog": (backlog, {})}

    def _backlog(self, query: tuple[Any, dict[str, Any]]) -> tuple[int, datetime | None]:
        count, oldest = self._c.execute(*query).one()
        if isinstance(oldest, str):  # SQLite's MIN() returns the stored text
            oldest = datetime.fromisoformat(oldest)
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest

    def roll_up(self, now: datetime) -> int:
        """Bring the rollup up to date; return how many hours were redone."""
        return Rollup(self._c, self._params).roll_up(now)

    def series(self, period: Period, queue: str | None = None) -> list[SeriesPoint]:
        """Per hour (a day or two) or per day: complaints received, and the median time to acknowledge them (on one
        queue, when given)."""
        rollup = Rollup(self._c, self._params)
        plan = live_plan(period.start, period.end) if queue else rollup.plan(period.start, period.end, days=False)
        statement, params = rollup.hourly_sql(plan, ["received", "to_ack"], queue)
        steps = period.steps()  # clock hours, or calendar days in the team's time zone
        starts = [step.timestamp() for step in steps]
        counts: dict[int, int] = defaultdict(int)
        acks: dict[int, dict[int, int]] = defaultdict(dict)
        for hour, metric, bucket, n in self._c.execute(statement, params):
            index = max(0, bisect_right(starts, int(hour) * 3600) - 1)
            if metric == "received":
                counts[index] += int(n)
            else:
                acks[index][int(bucket)] = acks[index].get(int(bucket), 0) + int(n)
        return [SeriesPoint(at, counts.get(i, 0), percentile(acks.get(i, {}), 0.5)) for i, at in enumerate(steps)]

    def waiting(self, limit: int, queue: str | None = None) -> list[Waiting]:
        """Unclaimed complaints (on `queue`, or on any) in the card queue's order: its rank (priority plus waiting
        time since the customer posted), then who posted first."""
        query = (
            select(complaints)
            .where(complaints.c.status == Status.NEW.value)
            .order_by(complaints.c.queue_rank.desc(), complaints.c.posted_at, complaints.c.id)
            .limit(limit)
        )
        if queue is not None:
            query = query.where(complaints.c.queue == queue)
        return self._with_cards([_waiting(r) for r in self._c.execute(query).mappings()])

    def cases(self, period: Period, queue: str | None = None) -> list[CaseRecord]:
        """Every case that arrived in `period` (on `queue`, or on any), oldest first, for the export."""
        c = complaints.c
        columns = [
            c.id.label("complaint_id"),
            c.received_at,
            c.queue,
            c.tier,
            c.topic,
            c.source,
            c.status,
            c.owner_name.label("owner"),
            c.author_followers.label("followers"),
            c.first_claimed_at,
            c.acknowledged_at,
            c.ticketed_at,
            c.resolved_at,
            c.author_handle,
            c.url,
            c.text,
            c.posted_at,
            c.private_status,
            c.survey_rating,
            c.survey_asked_at,
        ]
        query = select(*columns).where(c.received_at >= period.start, c.received_at < period.end)
        if queue is not None:
            query = query.where(c.queue == queue)
        return [CaseRecord(**row) for row in self._c.execute(query.order_by(c.received_at, c.id)).mappings()]

    def csat(self, period: Period, queue: str | None = None) -> list[CsatRow]:
        """Satisfaction over the cases closed in `period` (storage.sql.csat_stats)."""
        return csat_rows(self._c, period, queue)

    def queue_waiting(self, queue: str) -> QueueWaiting:
        """How many wait for an owner on `queue`, by tier and topic, and since when the oldest."""
        c = complaints.c
        since = func.min(func.coalesce(c.requeued_at, c.posted_at))
        query = (
            select(c.tier, c.topic, func.count(), since)
            .where(c.queue == queue, c.status == Status.NEW.value)
            .group_by(c.tier, c.topic)
        )
        tiers: dict[str, int] = defaultdict(int)
        topics: dict[str, int] = defaultdict(int)
        oldest: datetime | None = None
        for tier, topic, n, first in self._c.execute(query):
            tiers[str(tier)] += int(n)
            topics[str(topic)] += int(n)
            first = _aware(first)
            oldest = first if oldest is None or first < oldest else oldest
        return QueueWaiting(dict(tiers), dict(topics), oldest)

    def waiting_by_queue(self) -> dict[str, int]:
        """How many complaints wait for an owner on each queue."""
        query = (
            select(complaints.c.queue, func.count())
            .where(complaints.c.status == Status.NEW.value)
            .group_by(complaints.c.queue)
        )
        return {str(queue): int(n) for queue, n in self._c.execute(query)}

    def _with_cards(self, waiting: list[Waiting]) -> list[Waiting]:
        cards = cards_of(self._c, [w.complaint_id for w in waiting])
        return [replace(w, cards=tuple(cards.get(w.complaint_id, ()))) for w in waiting]

    def holders(self) -> list[tuple[str, int]]:
        """Open complaints by who holds them."""
        held = [s for s in _OPEN if s != Status.NEW.value]
        query = (
            select(complaints.c.owner_name, func.count())
            .where(complaints.c.status.in_(held), complaints.c.owner_name.is_not(None))
            .group_by(complaints.c.owner_name)
        )
        return sorted(((str(n), int(c)) for n, c in self._c.execute(query)), key=lambda item: (-item[1], item[0]))

    def topic_counts(self, since: datetime) -> dict[str, int]:
        """Complaints received since `since`, by topic."""
        query = (
            select(complaints.c.topic, func.count())
            .where(complaints.c.received_at >= since)
            .group_by(complaints.c.topic)
        )
        return {str(topic): int(count) for topic, count in self._c.execute(query)}

    def examples(self, topic: str | None, since: datetime, limit: int) -> list[Waiting]:
        """The most urgent, newest complaints on a topic since `since`."""
        query = select(complaints).where(complaints.c.received_at >= since)
        if topic is not None:
            query = query.where(complaints.c.topic == topic)
        query = query.order_by(complaints.c.priority.desc(), complaints.c.received_at.desc()).limit(limit)
        return self._with_cards([_waiting(r) for r in self._c.execute(query).mappings()])


def _waiting(r: Any) -> Waiting:
    # how long it has waited is counted from the customer's post
    return Waiting(r["id"], r["author_handle"], r["text"], r["tier"], r["topic"], r["priority"], r["posted_at"])
