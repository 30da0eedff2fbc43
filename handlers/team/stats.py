"""Team statistics as the core sees them: the period asked for, and the report a chat surface renders."""

from __future__ import annotations

import math
import re
from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Literal
from zoneinfo import ZoneInfo

from handlers.cases.errors import InvalidRequest
from handlers.cases.model import CardRef

Dimension = Literal["agent", "tier", "topic", "source", "queue"]
DIMENSIONS: tuple[Dimension, ...] = ("agent", "tier", "topic", "source", "queue")
# Follower bands for `stats fairness`: (below this many followers, the band's name); above the last, "1M+".
FOLLOWER_BANDS: tuple[tuple[int, str], ...] = ((1_000, "under 1k"), (10_000, "1k-10k"), (100_000, "10k-100k"))
TOP_BAND, UNKNOWN_BAND = "100k+", "unknown"
_RELATIVE = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$")
MAX_RANGE = timedelta(days=366)
# The days a period may name: a day's end (the next midnight, in any time zone) must still be a date Python and the
# database can hold, so the calendar's last day is refused, and nothing was posted on any network before 1970.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)


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


def parse_period(word: str | None, now: datetime, timezone: str) -> Period:
    """`today`, `24h`, `7d`, `30d` or `YYYY-MM-DD..YYYY-MM-DD` (inclusive, in the team's time zone)."""
    word = (word or "today").lower()
    zone = ZoneInfo(timezone)
    if word == "today":
        midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
        return Period(midnight, now, "today", timezone)
    if word in _RELATIVE:
        return Period(now - _RELATIVE[word], now, f"the last {word}", timezone)
    match = _RANGE.match(word)
    if not match:
        raise InvalidRequest(f"`{word}` is not a period: use today, 24h, 7d, 30d or 2026-11-01..2026-11-07.")
    try:
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    except ValueError as exc:
        raise InvalidRequest(f"`{word}` has a date that does not exist ({exc}).") from None
    if last < first:
        raise InvalidRequest(f"`{word}` ends before it starts.")
    if (last - first).days + 1 > MAX_RANGE.days:  # checked on the dates, before any arithmetic that could overflow
        raise InvalidRequest("A period can be at most a year long.")
    if first < FIRST_DAY or last > LAST_DAY:
        raise InvalidRequest(f"`{word}` is off the calendar Squeaky counts in: {FIRST_DAY} to {LAST_DAY}.")
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    if end - start > MAX_RANGE:
        raise InvalidRequest("A period can be at most a year long.")
    return Period(start, end, f"{first.isoformat()} to {last.isoformat()}", timezone)


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


SERVED_SAMPLE = 20_000  # the served cases the order is judged on: the latest claimed in the period


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


def served_order(served: Iterable[tuple[int, datetime, datetime]]) -> ServedOrder:
    """Judge (priority, posted, first claimed) triples: within each priority, a pair is out of order when the customer
    who posted later was claimed first (O(n log n): each case counts the earlier posters claimed after it)."""
    by_priority: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    cases = 0
    for priority, posted, claimed in served:
        by_priority[priority].append((posted, claimed))
        cases += 1
    pairs = out = 0
    for group in by_priority.values():
        group.sort()
        claims: list[datetime] = []  # claim times of the earlier posters, kept sorted
        for _, same in groupby(group, key=lambda pc: pc[0]):
            batch = [claimed for _, claimed in same]
            for claimed in batch:
                pairs += len(claims)
                out += len(claims) - bisect_right(claims, claimed)  # earlier posters claimed after this one
            for claimed in batch:
                insort(claims, claimed)
    return ServedOrder(pairs, out, cases)


def band_of(followers: int | None) -> str:
    """The follower band of a count (None: the network did not say)."""
    if followers is None:
        return UNKNOWN_BAND
    return next((name for below, name in FOLLOWER_BANDS if followers < below), TOP_BAND)


def band_order(band: str) -> int:
    """Where a band sits, quietest first (unknown last)."""
    names = [name for _, name in FOLLOWER_BANDS] + [TOP_BAND]
    return names.index(band) if band in names else len(names)


LOUD_BANDS = frozenset({"10k-100k", TOP_BAND})
FAIRNESS_SAMPLE = 10  # a band with fewer complaints than this is too small to judge
FAIRNESS_RATIO = 0.5  # a loud band claimed in under half its tier's median time has jumped the queue


def jumped(fairness: Fairness) -> list[tuple[str, Row, Row]]:
    """(tier, baseline, loud band) for each loud band claimed in under FAIRNESS_RATIO of the time its tier's busiest
    quiet band waited (the baseline: the accounts most of that tier's customers are)."""
    found = []
    for tier in fairness.tiers:
        bands = fairness.bands.get(tier.key, [])
        quiet = [b for b in bands if b.key not in LOUD_BANDS and b.key != UNKNOWN_BAND]
        quiet = [b for b in quiet if b.to_claim.count >= FAIRNESS_SAMPLE and b.to_claim.p50]
        if not quiet:
            continue
        baseline = max(quiet, key=lambda b: b.to_claim.count)
        for band in bands:
            if band.key not in LOUD_BANDS or band.to_claim.count < FAIRNESS_SAMPLE or band.to_claim.p50 is None:
                continue
            if band.to_claim.p50 < FAIRNESS_RATIO * (baseline.to_claim.p50 or 0):
                found.append((tier.key, baseline, band))
    return found


@dataclass(frozen=True)
class SeriesPoint:
    """One step of the chart: complaints received, and the median time to acknowledge those received then."""

    at: datetime
    received: int
    ack_p50: float | None  # seconds


# Durations are kept as histograms with logarithmic buckets: bucket b holds waits of
# [RATIO**b - 1, RATIO**(b+1) - 1) seconds, so a percentile read from it is within
# about 2.5% of the exact value, and histograms of days, tiers or agents simply add up.
RATIO = 1.05


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a wait of `seconds`."""
    return math.floor(math.log1p(max(0.0, seconds)) / math.log(RATIO))


def seconds_of(bucket: int) -> float:
    """The value a bucket stands for (its geometric middle)."""
    return float(RATIO ** (bucket + 0.5) - 1)


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The `share` percentile (nearest rank) of a histogram; None when it is empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return seconds_of(bucket)
    return None  # pragma: no cover - the loop always reaches the rank


def durations(histogram: dict[int, int]) -> Durations:
    """Count, p50 and p90 of a histogram of seconds."""
    return Durations(sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9))


def at_most(histogram: dict[int, int], limit_seconds: float) -> int:
    """How many waits in the histogram were within `limit_seconds`."""
    return sum(n for bucket, n in histogram.items() if seconds_of(bucket) <= limit_seconds)
