"""What storm mode remembers of a queue between passes, and what it reads of the queue's waiting complaints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Storm:
    """A queue in storm mode: since when, its summary message, and since when it has been calm."""

    since: datetime
    said_at: datetime | None = None  # when the summary last changed
    said: str = ""
    updates: int = 0
    peak: int = 0  # the most complaints waiting at once
    calm_since: datetime | None = None  # below the line to leave since then (None: not calm)

    @property
    def alert(self) -> str:
        """The summary's key: one message per storm, updated in place."""
        return f"storm-{self.since.strftime('%Y%m%dT%H%M%S')}"

    def to_json(self) -> dict[str, Any]:
        """The storm as stored."""
        return {
            "since": self.since.isoformat(),
            "said_at": self.said_at.isoformat() if self.said_at else None,
            "said": self.said,
            "updates": self.updates,
            "peak": self.peak,
            "calm_since": self.calm_since.isoformat() if self.calm_since else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Storm:
        """A stored storm."""

        def at(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(value) if value else None

        since = at("since")
        assert since is not None
        return cls(since, at("said_at"), str(data.get("said") or ""), int(data.get("updates") or 0),
                   int(data.get("peak") or 0), at("calm_since"))  # fmt: skip


@dataclass(frozen=True)
class QueueWaiting:
    """A queue's complaints waiting for an owner: how many of each tier and topic, and the longest wait's start."""

    by_tier: Mapping[str, int] = field(default_factory=dict)
    by_topic: Mapping[str, int] = field(default_factory=dict)
    oldest: datetime | None = None

    @property
    def total(self) -> int:
        """How many wait."""
        return sum(self.by_tier.values())
