"""Posts read and not yet known stored, in the `arrivals` table (handlers.ports.arrivals)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, tuple_

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.stream_codec import MalformedEntry, from_payload, to_payload
from handlers.ports.clock import Clock
from storage.sql.tables import arrivals

log = logging.getLogger(__name__)


class SqlArrivals:
    """The arrivals of one unit of work: kept with the feed's position, taken by a sweeping worker."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._c = connection
        self._clock = clock

    def keep(self, items: Sequence[IncomingComplaint]) -> int:
        """Insert the posts not kept yet (a re-read page keeps each post once); return how many were new."""
        fresh = {(item.source, item.external_id): item for item in items}
        if not fresh:
            return 0
        there = set()
        keys = list(fresh)
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            query = select(arrivals.c.source, arrivals.c.external_id).where(
                tuple_(arrivals.c.source, arrivals.c.external_id).in_(part)
            )
            there |= {(row.source, row.external_id) for row in self._c.execute(query)}
        now = self._clock.now()
        rows = [
            {"source": s, "external_id": e, "post": json.dumps(to_payload(item)), "arrived_at": now}
            for (s, e), item in fresh.items()
            if (s, e) not in there
        ]
        if rows:
            self._c.execute(arrivals.insert(), rows)
        return len(rows)

    def due(self, arrived_before: datetime, limit: int) -> list[tuple[int, IncomingComplaint]]:
        """The oldest kept posts that arrived before `arrived_before`; one no longer readable is dropped."""
        query = (
            select(arrivals.c.id, arrivals.c.post)
            .where(arrivals.c.arrived_at < arrived_before)
            .order_by(arrivals.c.arrived_at, arrivals.c.id)
            .limit(limit)
        )
        found: list[tuple[int, IncomingComplaint]] = []
        unreadable: list[int] = []
        for row in self._c.execute(query):
            try:
                found.append((int(row.id), from_payload(json.loads(row.post))))
            except (MalformedEntry, ValueError, TypeError):
                log.error("arrival %s is not a post we can read; dropped", row.id)
                unreadable.append(int(row.id))
        self.forget(unreadable)
        return found

    def forget(self, ids: Sequence[int]) -> None:
        """Delete these arrivals."""
        for start in range(0, len(ids), 500):
            self._c.execute(delete(arrivals).where(arrivals.c.id.in_(list(ids[start : start + 500]))))

    def count(self) -> int:
        """How many posts are kept."""
        return int(self._c.execute(select(func.count()).select_from(arrivals)).scalar_one())
