"""The checkpoints port: named positions in outside feeds."""

from __future__ import annotations

from typing import Protocol


class Checkpoints(Protocol):
    """Named positions in outside feeds (for example the newest tweet id seen)."""

    def get(self, name: str) -> str | None:
        """Return the checkpoint, or None."""
        ...

    def set(self, name: str, value: str) -> None:
        """Move the checkpoint."""
        ...

    def compare_and_set(self, name: str, expected: str | None, value: str) -> bool:
        """Move the checkpoint to `value` only if it still reads `expected` (None: it does not exist yet); True if
        this caller's move landed (of several processes trying at once, exactly one does)."""
        ...
