"""Business hours: when a queue's team is at work, in its own time zone, with its holidays. Service-level clocks run
only inside them, so a complaint that arrives at 22:00 on a Friday is due on Monday morning, not overnight.

Hours are wall-clock times in the zone, read day by day, so a daylight-saving change makes that day's open hours one
shorter or longer, as the team lives it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$")
_TIMES = re.compile(r"^([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2})$")
_LOOK_AHEAD_DAYS = 400  # a deadline further than this is never reached (a queue whose hours are all holidays)


class HoursError(ValueError):
    """Business hours that cannot be read; the message says which part."""


@dataclass(frozen=True)
class BusinessHours:
    """Open periods per weekday (0 = Monday) as (opens, closes) wall-clock times, a time zone and closed dates.
    With no weekly periods at all the queue never closes (the default)."""

    weekly: tuple[tuple[tuple[time, time], ...], ...] = ()  # seven entries when set
    timezone: str = "UTC"
    holidays: frozenset[date] = frozenset()
    said: str = ""  # the weekly hours as they were written, to show them back

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo keeps one instance per name

    @property
    def always(self) -> bool:
        """Whether the clock never stops."""
        return not self.weekly and not self.holidays

    def _periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open periods as aware datetimes (none on a holiday)."""
        if day in self.holidays:
            return []
        if not self.weekly:
            start = datetime.combine(day, time(), self._zone)
            return [(start, datetime.combine(day + timedelta(days=1), time(), self._zone))]
        out = []
        for opens, closes in self.weekly[day.weekday()]:
            end = (
                datetime.combine(day, closes, self._zone)
                if closes != time()
                else datetime.combine(day + timedelta(days=1), time(), self._zone)
            )
            out.append((datetime.combine(day, opens, self._zone), end))
        return out

    def open_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) the queue was open."""
        if self.always or end <= start:
            return max(end - start, timedelta())
        total = timedelta()
        day = start.astimezone(self._zone).date() - timedelta(days=1)
        while datetime.combine(day, time(), self._zone) < end:
            for opens, closes in self._periods(day):
                a, b = max(opens, start), min(closes, end)
                if a < b:
                    total += b.astimezone(UTC) - a.astimezone(UTC)
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, within: timedelta) -> datetime:
        """When `within` of open time has passed since `start` (far in the future if the queue never opens)."""
        if self.always:
            return start + within
        left = within
        day = start.astimezone(self._zone).date() - timedelta(days=1)
        for _ in range(_LOOK_AHEAD_DAYS):
            for opens, closes in self._periods(day):
                a = max(opens, start)
                if a >= closes:
                    continue
                span = closes.astimezone(UTC) - a.astimezone(UTC)
                if span >= left:
                    return (a.astimezone(UTC) + left).astimezone(start.tzinfo)
                left -= span
            day += timedelta(days=1)
        return start + timedelta(days=_LOOK_AHEAD_DAYS * 10)

    def is_open(self, at: datetime) -> bool:
        """Whether the queue is open at `at`."""
        return self.always or any(
            opens <= at < closes for opens, closes in self._periods(at.astimezone(self._zone).date())
        )

    def describe(self) -> str:
        """The hours in words."""
        if self.always:
            return "always open (the clock never stops)"
        said = self.said or "closed every day"
        days = ", ".join(d.isoformat() for d in sorted(self.holidays))
        return f"{said} ({self.timezone})" + (f"; closed on {days}" if days else "")


def _span_days(word: str) -> list[int]:
    match = _SPAN.match(word)
    if not match:
        raise HoursError(f"`{word}` is not a day or a range of days like mon-fri")
    first = WEEKDAYS.index(match[1])
    last = WEEKDAYS.index(match[2]) if match[2] else first
    return [d % 7 for d in range(first, first + (last - first) % 7 + 1)]


def _times(word: str) -> tuple[time, time]:
    match = _TIMES.match(word)
    if not match:
        raise HoursError(f"`{word}` is not opening hours like 09:00-17:30")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2 == 0:
        h2 = 0
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise HoursError(f"`{word}` has a time that does not exist")
    opens, closes = time(h1, m1), time(h2, m2)
    if closes != time() and closes <= opens:
        raise HoursError(f"`{word}` closes before it opens (hours past midnight are two entries)")
    return opens, closes


def parse_hours(weekly: list[str] | str, timezone: str = "UTC", holidays: list[str] | None = None) -> BusinessHours:
    """Read weekly hours ("mon-fri 09:00-17:00", "sat 10:00-14:00"), a time zone and holiday dates."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name longer than a file name may be
        raise HoursError(f"`{timezone[:40]}` is not a time zone; use a name like Europe/London") from None
    entries = [weekly] if isinstance(weekly, str) else list(weekly)
    words = " ".join(entries).replace(",", " ").split()
    days: list[list[tuple[time, time]]] = [[] for _ in WEEKDAYS]
    if len(words) % 2:
        raise HoursError("give days and hours in pairs, like mon-fri 09:00-17:00")
    for day_word, time_word in zip(words[::2], words[1::2], strict=True):
        for day in _span_days(day_word.lower()):
            days[day].append(_times(time_word))
    closed: set[date] = set()
    for value in holidays or []:
        try:
            closed.add(date.fromisoformat(value))
        except ValueError:
            raise HoursError(f"`{value}` is not a date like 2026-12-25") from None
    said = ", ".join(f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=True))
    weekly_periods = tuple(tuple(sorted(d)) for d in days) if words else ()
    del zone  # checked above
    return BusinessHours(weekly_periods, timezone, frozenset(closed), said)


ALWAYS = BusinessHours()
