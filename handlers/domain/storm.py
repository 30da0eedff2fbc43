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
    cluster: str | None = None  # started by a surge of similar complaints: the key of their run
    cluster_title: str = ""  # ... the words of the first of them, which name the cluster
    cluster_keys: str = ""  # ... and its keys: a complaint sharing one of them is of the cluster

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
            "cluster": self.cluster,
            "cluster_title": self.cluster_title,
            "cluster_keys": self.cluster_keys,
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
                   int(data.get("peak") or 0), at("calm_since"), data.get("cluster") or None,
                   str(data.get("cluster_title") or ""), str(data.get("cluster_keys") or ""))  # fmt: skip


@dataclass(frozen=True)
class Surge:
    """A run of similar complaints on a queue: those sharing one near-duplicate key, since the run began (a quiet
    window ends a run), and the words of the first of them."""

    queue: str
    band: str
    first_at: datetime
    last_at: datetime
    count: int
    sample: str
    keys: str = ""  # the first complaint's near-duplicate keys (as a case keeps them): the cluster is who shares one

    @property
    def seconds(self) -> float:
        """How long the run has lasted so far."""
        return (self.last_at - self.first_at).total_seconds()


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
