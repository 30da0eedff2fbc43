"""The fake of the arrivals port: posts read and not yet known stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from handlers.domain.complaint import IncomingComplaint
from tests.fakes.state import FakeState


class _Arrivals:
    def __init__(self, state: FakeState) -> None:
        self.s = state

    def keep(self, items: Sequence[IncomingComplaint]) -> int:
        new = 0
        for item in items:
            key = (item.source, item.external_id)
            if key not in self.s.arrivals:
                self.s.arrivals[key] = (len(self.s.arrivals) + 1, datetime.now(UTC), item)
                new += 1
        return new

    def due(self, arrived_before: datetime, limit: int) -> list[tuple[int, IncomingComplaint]]:
        rows = sorted(self.s.arrivals.values(), key=lambda row: (row[1], row[0]))
        return [(n, item) for n, at, item in rows if at < arrived_before][:limit]

    def forget(self, ids: Sequence[int]) -> None:
        self.s.arrivals = {k: v for k, v in self.s.arrivals.items() if v[0] not in set(ids)}

    def count(self) -> int:
        return len(self.s.arrivals)
