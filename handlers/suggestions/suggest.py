"""Suggest replies for a new complaint: the replies to the nearest past complaints of the same brand, filled in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handlers.domain.complaint import Complaint
from handlers.ports.suggestions import ReplyIndex
from handlers.suggestions.scrub import fill, safe_name

TOP = 3
LOOK_AT = 12  # neighbours looked at to find TOP different replies
NO_HISTORY = "No suggestions yet: no answered cases of this queue to learn from."
NONE_NEAR = "No suggestions: no past complaint of this queue is near this one."


@dataclass(frozen=True)
class Suggestions:
    """Up to three replies to start from, filled in for this customer; or, when none, why."""

    replies: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Suggester:
    """Finds the replies the team gave to complaints most like this one (same queue: one brand's tone)."""

    index: ReplyIndex
    min_score: float = 0.05

    def for_complaint(self, complaint: Complaint, values: Mapping[str, str]) -> Suggestions:
        """Up to three suggestions for `complaint`, with `values` (name, case, DM link) filled in."""
        brand = complaint.queue
        if self.index.size(brand) == 0:
            return Suggestions(note=NO_HISTORY)
        filled = dict(values, name=safe_name(values.get("name", "")))
        seen: set[str] = set()
        out: list[str] = []
        for match in self.index.nearest(brand, complaint.text, LOOK_AT):
            text = fill(match.reply, filled)
            key = " ".join(text.lower().split())
            if match.score < self.min_score or key in seen:
                continue
            seen.add(key)
            out.append(text)
            if len(out) == TOP:
                break
        return Suggestions(tuple(out), "" if out else NONE_NEAR)
