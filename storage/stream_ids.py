"""Stream entry ids ("milliseconds-sequence", as Redis makes them), compared in stream order."""

from __future__ import annotations


def stream_order(entry_id: str) -> tuple[int, int]:
    """A sortable key for an entry id."""
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)
