"""Who is available for push assignment: agents say `/squeaky back [QUEUE …]` and `/squeaky away` (or use the Home
tab's toggle); only they are handed complaints, on the queues they named (all, when they named none)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Availability:
    """An agent taking assignments: since when, and on which queues (empty: every queue that assigns)."""

    since: datetime
    queues: tuple[str, ...] = ()

    def takes(self, queue: str) -> bool:
        """Whether they take complaints of `queue`."""
        return not self.queues or queue in self.queues

    def to_json(self) -> dict[str, Any]:
        """As stored."""
        return {"since": self.since.isoformat(), "queues": list(self.queues)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Availability:
        """As stored."""
        return cls(datetime.fromisoformat(str(data["since"])), tuple(str(q) for q in data.get("queues") or ()))
