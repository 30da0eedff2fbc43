"""The workers port: the worker processes and their heartbeats, who is alive to hold a lease."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

SILENT_AFTER = timedelta(seconds=3)  # a worker not heard from for this long is gone: its leases and entries are free


class WorkerRegistry(Protocol):
    """The worker processes and their heartbeats: who is alive to hold a lease."""

    def beat(self, name: str, now: datetime) -> None:
        """`name` is alive (first beat: it has just started)."""
        ...

    def leave(self, name: str) -> None:
        """`name` stopped cleanly."""
        ...

    def silent(self, now: datetime) -> list[str]:
        """The workers not heard from for SILENT_AFTER: killed, or their machine gone."""
        ...

    def forget_silent(self, before: datetime) -> int:
        """Forget workers not heard from since `before` (retention); return how many."""
        ...
