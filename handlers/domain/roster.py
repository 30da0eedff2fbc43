"""Who is on call: one person, or a rotation handing off at a set hour in the team's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

Cadence = Literal["daily", "weekly"]


@dataclass(frozen=True)
class Roster:
    """On-call people in order. With one person and no cadence, that person is always on call.

    A rotation hands off at `handoff_hour` local time (on `handoff_weekday`, 0 = Monday, when
    weekly); `start` is the local date the first person's shift began.
    """

    users: tuple[str, ...]
    cadence: Cadence | None = None
    start: date | None = None
    handoff_hour: int = 9
    handoff_weekday: int = 0
    timezone: str = "UTC"

    def to_json(self) -> dict[str, Any]:
        """The roster as stored."""
        return {
            "users": list(self.users),
            "cadence": self.cadence,
            "start": self.start.isoformat() if self.start else None,
            "handoff_hour": self.handoff_hour,
            "handoff_weekday": self.handoff_weekday,
            "timezone": self.timezone,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Roster:
        """A stored roster."""
        start = data.get("start")
        return cls(
            users=tuple(data.get("users") or ()),
            cadence=data.get("cadence"),
            start=date.fromisoformat(start) if start else None,
            handoff_hour=int(data.get("handoff_hour", 9)),
            handoff_weekday=int(data.get("handoff_weekday", 0)),
            timezone=str(data.get("timezone") or "UTC"),
        )


def _shift_start(roster: Roster, local: datetime) -> datetime:
    """The local start of the shift `local` falls in (the latest hand-off at or before it)."""
    handoff = datetime.combine(local.date(), time(roster.handoff_hour), local.tzinfo)
    if roster.cadence == "weekly":
        handoff -= timedelta(days=(local.weekday() - roster.handoff_weekday) % 7)
    if handoff > local:
        handoff -= timedelta(days=7 if roster.cadence == "weekly" else 1)
    return handoff


def starting_now(roster: Roster, now: datetime) -> Roster:
    """The roster with its first person on call from the shift `now` falls in."""
    if roster.cadence is None:
        return roster
    shift = _shift_start(roster, now.astimezone(ZoneInfo(roster.timezone)))
    return Roster(
        roster.users, roster.cadence, shift.date(), roster.handoff_hour, roster.handoff_weekday, roster.timezone
    )


def on_call(roster: Roster | None, now: datetime) -> str | None:
    """Who is on call at `now` (an aware datetime); None when nobody is set."""
    if roster is None or not roster.users:
        return None
    if roster.cadence is None or len(roster.users) == 1:
        return roster.users[0]
    zone = ZoneInfo(roster.timezone)
    shift = _shift_start(roster, now.astimezone(zone))
    first = _shift_start(roster, datetime.combine(roster.start or shift.date(), time(23, 59), zone))
    days = (shift.date() - first.date()).days  # calendar days, so a DST change moves no hand-off
    shifts = days // (7 if roster.cadence == "weekly" else 1)
    return roster.users[shifts % len(roster.users)]


def next_handoff(roster: Roster | None, now: datetime) -> datetime | None:
    """When the next person takes over (None without a rotation), as an aware UTC-comparable datetime."""
    if roster is None or roster.cadence is None or len(roster.users) < 2:
        return None
    zone = ZoneInfo(roster.timezone)
    shift = _shift_start(roster, now.astimezone(zone))
    step = timedelta(days=7 if roster.cadence == "weekly" else 1)
    # Add calendar days in local time, then resolve the wall-clock hour in the zone (DST-safe).
    following = datetime.combine(shift.date() + step, time(roster.handoff_hour), zone)
    return following
