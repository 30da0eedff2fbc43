"""When a post was made, as the networks send it (an ISO 8601 string, "Z" or an offset, or a datetime)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_time(value: Any, fallback: datetime) -> datetime:
    """`value` as an aware datetime (UTC when it names no zone: the networks mean UTC); `fallback` when it is not a
    time at all."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback
