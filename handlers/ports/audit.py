"""The audit port: the append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from handlers.domain.complaint import (
    AuditEvent,
)


class AuditLog(Protocol):
    """The append-only audit trail."""

    def record(self, event: AuditEvent) -> None:
        """Append one event."""
        ...

    def blank_details(self, before: datetime, after_id: int, limit: int) -> list[int]:
        """Empty the details of up to `limit` events older than `before` with ids above `after_id`, oldest first;
        return their ids in order (retention)."""
        ...

    def for_complaint(self, complaint_id: int) -> list[AuditEvent]:
        """Return a complaint's events, oldest first."""
        ...
