"""A fake of the satisfaction port, on the fake database's state."""

from __future__ import annotations

from datetime import datetime

from tests.fakes.state import FakeState


class FakeSurveys:
    """Ratings and stops in memory, with the SQL adapter's rules (asked once, the first answer stands)."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def asked(self, complaint_id: int, at: datetime) -> None:
        self.s.surveys.setdefault(complaint_id, (at, None))

    def awaiting(self, source: str, author: str, since: datetime) -> int | None:
        found = [
            (at, case_id)
            for case_id, (at, rating) in self.s.surveys.items()
            if rating is None
            and at >= since
            and (c := self.s.complaints.get(case_id)) is not None
            and (c.source, c.author_handle.lower()) == (source, author.lower())
        ]
        return max(found)[1] if found else None

    def answer(self, complaint_id: int, rating: int, at: datetime) -> bool:
        asked, before = self.s.surveys.get(complaint_id, (at, None))
        if before is not None:
            return False
        self.s.surveys[complaint_id] = (asked, rating)
        return True

    def stop(self, source: str, author: str, at: datetime) -> None:
        self.s.stops.add((source, author.lower()))

    def stopped(self, source: str, author: str) -> bool:
        return (source, author.lower()) in self.s.stops
