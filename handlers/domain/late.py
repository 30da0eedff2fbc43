"""What the service-level watch knows of a queue's late complaints, and of the alert it raised for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class LateQueue:
    """A queue's complaints still unclaimed past their service level, by how far they were escalated."""

    paged: int  # on-call was told of these (stage ON_CALL or beyond)
    called: int  # the leads were called on for these (stage LEADS)
    oldest: datetime  # when the longest wait among them began
    rank: float  # the highest queue rank among them: the alert is as urgent as its most urgent complaint


@dataclass(frozen=True)
class LateAlert:
    """One queue's open alert: since when, whether the leads were called, and what their message last said."""

    episode: str
    called: bool = False
    said: str = ""
    said_at: datetime | None = None
    updates: int = 0
    most: int = 0  # the most complaints past their level at once in this alert

    def to_json(self) -> dict[str, Any]:
        """The alert as stored."""
        return {
            "episode": self.episode,
            "called": self.called,
            "said": self.said,
            "said_at": self.said_at.isoformat() if self.said_at else None,
            "updates": self.updates,
            "most": self.most,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LateAlert:
        """A stored alert."""
        said_at = data.get("said_at")
        return cls(
            str(data["episode"]),
            bool(data.get("called")),
            str(data.get("said") or ""),
            datetime.fromisoformat(said_at) if said_at else None,
            int(data.get("updates") or 0),
            int(data.get("most") or 0),
        )
