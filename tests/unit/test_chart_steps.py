"""The chart's steps: clock hours for a day or two, calendar days in the team's time zone beyond, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from handlers.team.stats import parse_period

BERLIN = ZoneInfo("Europe/Berlin")


def test_daily_steps_are_the_teams_midnights_across_a_dst_change() -> None:
    now = datetime(2026, 10, 28, 15, 0, tzinfo=UTC)
    steps = parse_period("2026-10-23..2026-10-27", now, "Europe/Berlin").steps()
    assert [s.astimezone(BERLIN).strftime("%d %H:%M") for s in steps] == [
        "23 00:00",
        "24 00:00",
        "25 00:00",
        "26 00:00",
        "27 00:00",
    ]
    lengths = [b - a for a, b in pairwise(steps)]
    assert lengths == [timedelta(hours=24), timedelta(hours=24), timedelta(hours=25), timedelta(hours=24)]


def test_a_rolling_week_starts_on_the_first_days_midnight_and_covers_now() -> None:
    now = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # Berlin moved to summer time on the 29th
    steps = parse_period("7d", now, "Europe/Berlin").steps()
    assert steps[0] == datetime(2026, 3, 23, 0, 0, tzinfo=BERLIN)
    assert steps[-1] == datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN) and len(steps) == 8
    assert steps[-1] - steps[-2] == timedelta(hours=23)  # the night the clocks went forward


def test_hourly_steps_are_clock_hours() -> None:
    now = datetime(2026, 11, 20, 9, 40, tzinfo=UTC)
    steps = parse_period("24h", now, "Asia/Kolkata").steps()
    assert len(steps) == 25 and all(s.minute == 0 for s in steps) and steps[-1] == now.replace(minute=0)
