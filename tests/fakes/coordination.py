"""A fake of the coordination ports: the dedupe set."""

from __future__ import annotations


class FakeDedupe:
    """An in-memory dedupe set with no expiry."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def seen(self, keys: list[str]) -> set[str]:
        return self.keys & set(keys)

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        self.keys.update(keys)
