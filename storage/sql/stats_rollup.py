"""The statistics rollup: per hour and per UTC day of arrival, counts and histograms of waits, kept current.

Rows are (hours, hour_start, dim, value, metric, bucket, n), `hour_start` in hours since the
Unix epoch, `hours` 1 or 24. The worker redoes every hour whose complaints changed since its
last pass, then the days holding them (a day is the sum of its hours). A query takes whole
clean days, then whole clean hours, from the rollup, and runs the same aggregate live over
the rest: the partial hours at the period's edges and any hour changed since the last pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, text

from handlers.team.stats import FOLLOWER_BANDS, RATIO, TOP_BAND, UNKNOWN_BAND
from storage.sql.repositories import SqlCheckpoints

# "band" is the tier and the follower band together ("standard|10k-100k"): fairness compares bands within a tier.
DIMS = {
    "all": "''",
    "tier": "tier",
    "topic": "topic",
    "source": "source",
    "agent": "agent",
    "queue": "queue",
    "band": "band",
}
_BAND = (
    "CASE WHEN author_followers IS NULL THEN '"
    + UNKNOWN_BAND
    + "' "
    + " ".join(f"WHEN author_followers < {below} THEN '{name}'" for below, name in FOLLOWER_BANDS)
    + f" ELSE '{TOP_BAND}' END"
)
WATERMARK = "stats.rollup"
# A transaction that commits this long after it stamped `updated_at` is still seen by the next pass.
MARGIN = timedelta(minutes=2)
_HOUR = {
    "postgresql": "CAST(floor(date_part('epoch', received_at) / 3600) AS INTEGER)",
    "sqlite": "CAST(CAST(strftime('%s', received_at) AS INTEGER) / 3600 AS INTEGER)",
}
_SECONDS = {
    "postgresql": "date_part('epoch', {0} - received_at)",
    "sqlite": "((julianday({0}) - julianday(received_at)) * 86400.0)",
}
_GREATEST = {"postgresql": "greatest", "sqlite": "max"}


def seconds_sql(dialect: str, column: str) -> str:
    """SQL for the seconds from a complaint's arrival to `column`."""
    return _SECONDS[dialect].format(column)


def _bucket(dialect: str, seconds: str) -> str:
    return f"CAST(floor(ln(1 + {_GREATEST[dialect]}({seconds}, 0)) / {math.log(RATIO)!r}) AS INTEGER)"


def rollup_sql(dialect: str, where: str, dims: Iterable[str] = DIMS, counts_only: Iterable[str] = ()) -> str:
    """The aggregate: (hour, dim, value, metric, bucket, n) rows over the complaints `where` selects.

    `counts_only` names dims for which only the number received is wanted (no histograms).
    """
    seconds = _SECONDS[dialect].format
    dims = list(dims)
    base = ", ".join(["hour", *(DIMS[d] for d in dims if d != "all")])
    lean = set(counts_only)
    per_dim = " UNION ALL ".join(
        f"SELECT hour, '{dim}' AS dim, {DIMS[dim]} AS value, metric, bucket, count(*) AS n FROM cells "  # noqa: S608
        + ("WHERE metric = 'received' " if dim in lean else "")
        + f"GROUP BY hour, {'' if dim == 'all' else DIMS[dim] + ', '}metric, bucket"
        for dim in dims
    )
    return f"""
        WITH facts AS (
            SELECT {_HOUR[dialect]} AS hour, tier, topic, source, coalesce(owner_name, '(nobody)') AS agent,
                   queue, tier || '|' || {_BAND} AS band,
                   status, first_claimed_at IS NOT NULL AS claimed,
                   {seconds("coalesce(first_claimed_at, resolved_at)")} AS claim_s,
                   {seconds("acknowledged_at")} AS ack_s,
                   {seconds("ticketed_at")} AS ticket_s
            FROM complaints WHERE {where}
        ), cells AS (
            SELECT {base}, 'received' AS metric, 0 AS bucket FROM facts
            UNION ALL SELECT {base}, 'claimed', 0 FROM facts WHERE claimed
            UNION ALL SELECT {base}, 'dismissed', 0 FROM facts WHERE status = 'dismissed'
            UNION ALL SELECT {base}, 'to_claim', {_bucket(dialect, "claim_s")} FROM facts WHERE claim_s IS NOT NULL
            UNION ALL SELECT {base}, 'to_ack', {_bucket(dialect, "ack_s")} FROM facts WHERE ack_s IS NOT NULL
            UNION ALL SELECT {base}, 'to_ticket', {_bucket(dialect, "ticket_s")} FROM facts WHERE ticket_s IS NOT NULL
        )
        {per_dim}
    """  # noqa: S608 - fixed fragments only; values are bound parameters


def hour_of(at: datetime) -> int:
    """Hours since the Unix epoch of the hour `at` falls in."""
    return math.floor(at.timestamp() / 3600)


def at_hour(hour: int) -> datetime:
    """The start of an epoch hour."""
    return datetime.fromtimestamp(hour * 3600, UTC)


def runs(hours: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous runs of hours as half-open [first, last + 1) pairs."""
    out: list[tuple[int, int]] = []
    for hour in sorted(set(hours)):
        if out and out[-1][1] == hour:
            out[-1] = (out[-1][0], hour + 1)
        else:
            out.append((hour, hour + 1))
    return out


def ranges_sql(ranges: list[tuple[datetime, datetime]], params: dict[str, Any], prefix: str) -> str:
    """An OR of received_at ranges (each can use the index), adding their bounds to `params`."""
    parts = []
    for i, (start, end) in enumerate(ranges):
        params[f"{prefix}a{i}"], params[f"{prefix}b{i}"] = start, end
        parts.append(f"(received_at >= :{prefix}a{i} AND received_at < :{prefix}b{i})")
    return "(" + " OR ".join(parts) + ")"


@dataclass
class Plan:
    """Where a period's figures come from: rolled-up days and hours, and ranges aggregated live."""

    days: list[int] = field(default_factory=list)  # hour_start of whole clean days
    hours: list[int] = field(default_factory=list)  # whole clean hours outside those days
    live: list[tuple[datetime, datetime]] = field(default_factory=list)


class Rollup:
    """Reads and maintains `stats_rollup` on one connection."""

    def __init__(self, connection: Connection, params: Any) -> None:
        self._c = connection
        self._dialect = connection.dialect.name
        self._params = params  # adapts bound values to the dialect (SQLite keeps naive UTC text)

    def watermark(self) -> datetime | None:
        """When the last pass started, or None before the first."""
        value = SqlCheckpoints(self._c, _Fixed(datetime.now(UTC))).get(WATERMARK)
        return datetime.fromisoformat(value) if value else None

    def changed_hours(self, since: datetime | None, start: datetime | None = None) -> set[int]:
        """Hours of arrival of the complaints changed since `since` (all of them when None)."""
        query = f"SELECT DISTINCT {_HOUR[self._dialect]} FROM complaints WHERE "  # noqa: S608 - fixed fragments
        query += "updated_at >= :since" if since is not None else "1 = 1"
        params: dict[str, Any] = {"since": since - MARGIN if since is not None else None}
        if start is not None:
            query += " AND received_at >= :start"
            params["start"] = start
        return {int(hour) for (hour,) in self._c.execute(text(query), self._params(params))}

    def plan(self, start: datetime, end: datetime, *, days: bool = True) -> Plan:
        """Split [start, end) into rolled-up days (unless not `days`), rolled-up hours and live ranges."""
        watermark = self.watermark()
        if watermark is None:
            return Plan(live=[(start, end)])
        dirty = self.changed_hours(watermark, start)
        first, last = math.ceil(start.timestamp() / 3600), hour_of(end)
        plan = Plan()
        live_hours: list[int] = []
        hour = first
        while hour < last:
            day_end = (hour // 24 + 1) * 24
            if days and hour % 24 == 0 and day_end <= last and not dirty.intersection(range(hour, day_end)):
                plan.days.append(hour)
                hour = day_end
                continue
            (live_hours if hour in dirty else plan.hours).append(hour)
            hour += 1
        edges = [(start, min(at_hour(first), end)), (max(at_hour(last), start), end)] if first <= last else []
        ranges = [(at_hour(a), at_hour(b)) for a, b in runs(live_hours)]
        plan.live = _merge([r for r in edges + ranges if r[0] < r[1]]) if edges else [(start, end)]
        return plan

    def roll_up(self, now: datetime) -> int:
        """Redo every hour whose complaints changed since the last pass, and their days; return how many hours."""
        hours = self.changed_hours(self.watermark())
        for chunk_start in range(0, len(hours), 2000):
            chunk = sorted(hours)[chunk_start : chunk_start + 2000]
            self._redo_hours(chunk)
        for day in sorted({hour // 24 * 24 for hour in hours}):
            self._redo_day(day)
        SqlCheckpoints(self._c, _Fixed(now)).set(WATERMARK, now.isoformat())
        return len(hours)

    def _redo_hours(self, hours: list[int]) -> None:
        delete = text("DELETE FROM stats_rollup WHERE hours = 1 AND hour_start IN :hours").bindparams(
            bindparam("hours", expanding=True)
        )
        self._c.execute(delete, {"hours": hours})
        params: dict[str, Any] = {}
        where = ranges_sql([(at_hour(a), at_hour(b)) for a, b in runs(hours)], params, "r")
        cells = rollup_sql(self._dialect, where)
        columns = "hours, hour_start, dim, value, metric, bucket, n"
        insert = f"INSERT INTO stats_rollup ({columns}) SELECT 1, hour, dim, value, metric, bucket, n FROM ({cells}) c"  # noqa: S608
        self._c.execute(text(insert), self._params(params))

    def _redo_day(self, day: int) -> None:
        params = {"day": day, "next": day + 24}
        self._c.execute(text("DELETE FROM stats_rollup WHERE hours = 24 AND hour_start = :day"), params)
        self._c.execute(
            text(
                "INSERT INTO stats_rollup (hours, hour_start, dim, value, metric, bucket, n) "
                "SELECT 24, :day, dim, value, metric, bucket, sum(n) FROM stats_rollup "
                "WHERE hours = 1 AND hour_start >= :day AND hour_start < :next GROUP BY dim, value, metric, bucket"
            ),
            params,
        )

    def hourly_sql(self, plan: Plan, metrics: list[str], queue: str | None = None) -> tuple[Any, dict[str, Any]]:
        """One statement of the team's (dim "all") figures per hour: (hour, metric, bucket, n); of one queue's
        when `queue` is given (the rollup keeps no queue by hour, so that reads live: see `live_plan`)."""
        assert queue is None or not plan.hours, "one queue's figures are read live"
        params: dict[str, Any] = {"metrics": metrics}
        parts = []
        if plan.hours:
            runs_sql = " OR ".join(
                f"(hour_start >= :h{i} AND hour_start < :k{i})" for i in range(len(runs(plan.hours)))
            )
            for i, (a, b) in enumerate(runs(plan.hours)):
                params.update({f"h{i}": a, f"k{i}": b})
            parts.append(
                "SELECT hour_start AS hour, metric, bucket, n FROM stats_rollup "  # noqa: S608 - fixed fragments
                f"WHERE hours = 1 AND dim = 'all' AND metric IN :metrics AND ({runs_sql})"
            )
        if plan.live:
            live = rollup_sql(self._dialect, _only(ranges_sql(plan.live, params, "l"), queue, params), ["all"])
            parts.append(f"SELECT hour, metric, bucket, n FROM ({live}) live WHERE metric IN :metrics")  # noqa: S608
        statement = text(" UNION ALL ".join(parts)).bindparams(bindparam("metrics", expanding=True))
        return statement, self._params(params)

    def cells_sql(
        self, plan: Plan, dims: list[str], counts_only: list[str], queue: str | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """One statement summing the plan's rollup rows and live aggregate: (dim, value, metric, bucket, n); of one
        queue's complaints when `queue` is given (with a `live_plan`)."""
        assert queue is None or not (plan.days or plan.hours), "one queue's figures are read live"
        parts: list[str] = []
        full, lean = [d for d in dims if d not in counts_only], [d for d in dims if d in counts_only]
        params: dict[str, Any] = {}
        names = []
        if plan.days or plan.hours:
            rolled = "((hours = 24 AND hour_start IN :days) OR (hours = 1 AND hour_start IN :hours))"
            params.update(days=plan.days or [-1], hours=plan.hours or [-1])
            names += ["days", "hours"]
            # Each part's conditions match the primary key's order (hours, hour_start, dim, metric), so they seek.
            if full:
                parts.append(f"SELECT dim, value, metric, bucket, n FROM stats_rollup WHERE {rolled} AND dim IN :full")  # noqa: S608
                params["full"] = full
                names.append("full")
            if lean:
                parts.append(
                    f"SELECT dim, value, metric, bucket, n FROM stats_rollup WHERE {rolled} "  # noqa: S608
                    "AND dim IN :lean AND metric = 'received'"
                )
                params["lean"] = lean
                names.append("lean")
        if plan.live:
            where = _only(ranges_sql(plan.live, params, "l"), queue, params)
            live = rollup_sql(self._dialect, where, dims, counts_only)
            parts.append(f"SELECT dim, value, metric, bucket, n FROM ({live}) live")  # noqa: S608
        sql = (
            f"SELECT dim, value, metric, bucket, sum(n) FROM ({' UNION ALL '.join(parts)}) x "  # noqa: S608
            "GROUP BY dim, value, metric, bucket"
        )
        statement = text(sql).bindparams(*[bindparam(name, expanding=True) for name in names])
        return statement, self._params(params)


def live_plan(start: datetime, end: datetime) -> Plan:
    """A plan that reads the whole period live: for one queue's figures, which the rollup does not split by."""
    return Plan(live=[(start, end)])


def _only(where: str, queue: str | None, params: dict[str, Any]) -> str:
    """`where`, narrowed to one queue's complaints when one is given (its name a bound parameter)."""
    if queue is None:
        return where
    params["only_queue"] = queue
    return f"{where} AND queue = :only_queue"


def _merge(ranges: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(ranges):
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass
class _Fixed:
    at: datetime

    def now(self) -> datetime:
        return self.at
