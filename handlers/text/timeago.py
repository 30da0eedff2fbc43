"""Human-friendly relative times ("2 min ago") for messages and cards."""

from __future__ import annotations

from datetime import datetime


def ago(then: datetime, now: datetime) -> str:
    """Say how long ago `then` was, seen from `now`, in the words an agent reads at a glance."""
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        seconds = 0
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 48:
        return f"{hours} h ago"
    return f"{round(seconds / 86400)} days ago"
