"""What the spike detector remembers of each topic between observations (handlers.team.spikes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

ALL_TOPICS = "*"  # the key of the total across topics


@dataclass(frozen=True)
class SpikeState:
    """What the detector remembers of one topic between observations."""

    baseline: float | None = None
    open_since: datetime | None = None
    peak: int = 0

    def to_json(self) -> dict[str, Any]:
        """The state as stored."""
        return {
            "baseline": self.baseline,
            "open_since": self.open_since.isoformat() if self.open_since else None,
            "peak": self.peak,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SpikeState:
        """A stored state."""
        since = data.get("open_since")
        return cls(
            baseline=data.get("baseline"),
            open_since=datetime.fromisoformat(since) if since else None,
            peak=int(data.get("peak") or 0),
        )

    def incident(self, topic: str) -> str | None:
        """The open incident's key (stable while it is open), or None."""
        if self.open_since is None:
            return None
        return f"squeaky-spike-{topic.replace('*', 'all')}-{self.open_since:%Y%m%dT%H%M}"
