"""The satisfaction port: the one question asked privately when a case closes, its answer, and customers who asked
not to be messaged privately again."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Surveys(Protocol):
    """Ratings kept with their cases, and the customers who answered "stop"."""

    def asked(self, complaint_id: int, at: datetime) -> None:
        """The case's customer was asked, at `at` (once: a second ask changes nothing)."""
        ...

    def awaiting(self, source: str, author: str, since: datetime) -> int | None:
        """The customer's newest case asked since `since` and not yet answered (`author`: their lower-cased
        handle), or None."""
        ...

    def answer(self, complaint_id: int, rating: int, at: datetime) -> bool:
        """Keep the case's rating (1 to 5); False when it was answered already (the first answer stands)."""
        ...

    def stop(self, source: str, author: str, at: datetime) -> None:
        """The customer answered "stop": never message them privately again."""
        ...

    def stopped(self, source: str, author: str) -> bool:
        """Whether the customer answered "stop"."""
        ...
