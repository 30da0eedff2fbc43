"""Team statistics as the core sees them: the period asked for, the report a chat surface renders, and the case
records the export reads."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from handlers.domain.complaint import CardRef

Dimension = Literal["agent", "tier", "topic", "source", "queue"]
DIMENSIONS: tuple[Dimension, ...] = ("agent", "tier", "topic", "source", "queue")


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end), with the words it was asked for in."""

    start: datetime
    end: datetime
    label: str
    timezone: str = "UTC"  # whose calendar days the chart counts in

    @property
    def bucket(self) -> timedelta:
        """The chart's step: hours for a day or two, days beyond."""
        return timedelta(hours=1) if self.end - self.start <= timedelta(days=2) else timedelta(days=1)

    def steps(self) -> list[datetime]:
        """Where the chart's bars start, covering the period: clock hours, or midnights in the team's time zone
        (so a day across a DST change is 23 or 25 hours long, as the team lives it)."""
        if self.bucket == timedelta(hours=1):
            first = self.start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            count = math.ceil((self.end - first) / timedelta(hours=1))
            return [first + n * timedelta(hours=1) for n in range(count)]
        zone = ZoneInfo(self.timezone)
        day = self.start.astimezone(zone).date()
        steps: list[datetime] = []
        while (midnight := datetime.combine(day, time(), zone)) < self.end:
            steps.append(midnight.astimezone(UTC))
            day += timedelta(days=1)
        return steps


@dataclass(frozen=True)
class Durations:
    """How long something took, over the complaints it happened to: how many, median and 90th percentile."""

    count: int = 0
    p50: float | None = None  # seconds
    p90: float | None = None


@dataclass(frozen=True)
class Compliance:
    """One tier's service level over the period: deadlines met and missed (running ones are not counted)."""

    tier: str
    claim_met: int = 0
    claim_missed: int = 0
    ack_met: int = 0
    ack_missed: int = 0


@dataclass(frozen=True)
class Row:
    """The figures for the whole period or for one value of a breakdown."""

    key: str
    received: int = 0
    claimed: int = 0
    acknowledged: int = 0
    ticketed: int = 0
    dismissed: int = 0
    to_claim: Durations = field(default_factory=Durations)
    to_ack: Durations = field(default_factory=Durations)
    to_ticket: Durations = field(default_factory=Durations)


@dataclass(frozen=True)
class Waiting:
    """A complaint waiting for an owner, for the backlog list."""

    complaint_id: int
    author_handle: str
    text: str
    tier: str
    topic: str
    priority: int
    received_at: datetime
    cards: tuple[CardRef, ...] = ()  # its cards, one per surface that posted it


@dataclass(frozen=True)
class StatsReport:
    """Everything `stats` answers, for one period (and one queue, when asked)."""

    period: Period
    total: Row
    compliance: list[Compliance]
    backlog: int
    oldest_waiting: datetime | None
    topics: list[tuple[str, int]]
    by: Dimension | None = None
    breakdown: list[Row] = field(default_factory=list)
    queue: str | None = None


@dataclass(frozen=True)
class Fairness:
    """Waits to claim and to acknowledge by tier, and within each tier by follower band: "does a loud account jump
    the queue?"."""

    period: Period
    tiers: list[Row]
    bands: dict[str, list[Row]]  # tier -> a row per follower band, quietest first
    queue: str | None = None
    order: ServedOrder | None = None  # whether equal-priority cases were served in the customers' order


@dataclass(frozen=True)
class ServedOrder:
    """Pairs of cases of equal priority, posted at different times and both served (claimed): how many, and how many
    of them the later customer was served first."""

    pairs: int = 0
    out_of_order: int = 0
    cases: int = 0  # the served cases judged

    @property
    def share_out(self) -> float:
        """The share of pairs served out of the customers' order."""
        return self.out_of_order / self.pairs if self.pairs else 0.0


@dataclass(frozen=True)
class SeriesPoint:
    """One step of the chart: complaints received, and the median time to acknowledge those received then."""

    at: datetime
    received: int
    ack_p50: float | None  # seconds


@dataclass(frozen=True)
class CaseRecord:
    """One case's facts, as the export reads them."""

    complaint_id: int
    received_at: datetime
    queue: str
    tier: str
    topic: str
    source: str
    status: str
    owner: str | None
    followers: int | None
    first_claimed_at: datetime | None
    acknowledged_at: datetime | None
    ticketed_at: datetime | None
    resolved_at: datetime | None
    author_handle: str = ""
    url: str | None = None
    text: str = ""
    posted_at: datetime | None = None
    private_status: str | None = None  # the private hand-off, where one was made (sent, failed, pending)
    survey_rating: int | None = None  # the customer's satisfaction rating, 1 to 5
    survey_asked_at: datetime | None = None


@dataclass(frozen=True)
class CsatRow:
    """Satisfaction over the cases closed in a period, for one value of a dimension (`dimension` "all": every
    case): how many closed, moved to a private conversation, asked, answered, and the ratings' sum and how many
    were 4 or 5."""

    dimension: str  # "all", "queue", "tier", "agent", "topic", "network"
    key: str
    closed: int
    moved: int
    asked: int
    answered: int
    rating_sum: int
    satisfied: int
    to_private_p50: float | None = None  # seconds from arrival to our first private message (the "all" row only)

    @property
    def mean(self) -> float | None:
        """The mean rating, when any came."""
        return self.rating_sum / self.answered if self.answered else None
