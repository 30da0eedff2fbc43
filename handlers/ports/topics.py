"""Port of the learned topic model: a guess at a complaint's topic, and how sure it is."""

from __future__ import annotations

from typing import Protocol


class TopicModel(Protocol):
    """A topic classifier learned from the team's answered cases."""

    def guess(self, text: str) -> tuple[str, float] | None:
        """The likeliest topic of `text` and its probability (0 to 1); None while no model is learned yet."""
        ...
