"""The clock: the port the core reads the time from, the real one, and one tests can move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """Return the clock's time."""
        return self._now

    def set(self, at: datetime) -> None:
        """Put the clock at `at` (an aware time; it may go back, as a test of a restart may need)."""
        self._now = at

    def advance(self, **delta: float) -> None:
        """Move the clock forward (takes timedelta's keywords)."""
        self._now += timedelta(**delta)


class Clock(Protocol):
    """The time, as the core sees it (controllable in tests)."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...
