"""The arrivals port: posts read from a network, kept in the database until a worker knows they are stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from handlers.domain.complaint import IncomingComplaint


class Arrivals(Protocol):
    """Posts read and not yet known stored: what the stream carries, kept where a lost stream cannot take it."""

    def keep(self, items: Sequence[IncomingComplaint]) -> int:
        """Keep posts just read (one already kept stays as it is); return how many were new here."""
        ...

    def due(self, arrived_before: datetime, limit: int) -> list[tuple[int, IncomingComplaint]]:
        """Up to `limit` kept posts that arrived before `arrived_before`, oldest first, with their ids."""
        ...

    def forget(self, ids: Sequence[int]) -> None:
        """Drop kept posts once they are stored (or known unreadable)."""
        ...

    def count(self) -> int:
        """How many posts are kept."""
        ...
