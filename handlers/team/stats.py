"""Team statistics as the core sees them: the period asked for, and the report a chat surface renders."""

from __future__ import annotations

import math
import re
from bisect import bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from handlers.cases.errors import InvalidRequest
from handlers.domain.stats import Durations, Fairness, Period, Row, ServedOrder

# Follower bands for `stats fairness`: (below this many followers, the band's name); above the last, "1M+".
FOLLOWER_BANDS: tuple[tuple[int, str], ...] = ((1_000, "under 1k"), (10_000, "1k-10k"), (100_000, "10k-100k"))
TOP_BAND, UNKNOWN_BAND = "100k+", "unknown"
_RELATIVE = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$")
MAX_RANGE = timedelta(days=366)
# The days a period may name: a day's end (the next midnight, in any time zone) must still be a date Python and the
# database can hold, so the calendar's last day is refused, and nothing was posted on any network before 1970.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)


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


SERVED_SAMPLE = 20_000  # the served cases the order is judged on: the latest claimed in the period


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
