"""Figures as people read them in any chat tool: durations, shares, how long someone has waited."""

from __future__ import annotations

from datetime import datetime

from handlers.text.timeago import ago

STATS_NOTE = "Times are from arrival: median (p50) and 90th percentile, read from histograms to within about 2.5%."


def duration(seconds: float | None) -> str:
    """A wait as people say it: 42s, 4m 12s, 2h 05m, 3d 4h (— when there is none)."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def share(part: int, whole: int) -> str:
    """A percentage, or — of nothing."""
    return f"{100 * part / whole:.0f}%" if whole else "—"


def waited(since: datetime, now: datetime) -> str:
    """How long someone has waited: "12 min", "3 h", "under a minute"."""
    said = ago(since, now)
    return "under a minute" if said == "just now" else said.removesuffix(" ago")
