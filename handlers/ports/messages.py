"""The messages port: every post seen, once."""

from __future__ import annotations

from typing import Protocol

from handlers.domain.complaint import (
    Message,
)


class MessageRepository(Protocol):
    """Every post seen, once."""

    def known(self, source: str, external_ids: set[str]) -> set[str]:
        """Which of these ids are stored already."""
        ...

    def add_many(self, messages: list[Message]) -> None:
        """Store messages. Raises DuplicateKey when one is stored already (a concurrent writer won)."""
        ...

    def get(self, source: str, external_id: str) -> Message | None:
        """One stored message."""
        ...

    def filtered(self, limit: int) -> list[Message]:
        """The most recent posts the noise rules filtered out, newest first."""
        ...

    def filtered_counts(self) -> dict[str, int]:
        """How many posts each noise rule filtered out, all time."""
        ...

    def for_complaint(self, complaint_id: int) -> list[Message]:
        """Every post on a case (its opening, follow-ups, our replies), oldest first."""
        ...

    def carry(self, complaint_id: int, key: str) -> list[Message]:
        """The case's messages the ticket request `key` carries, fixed on its first try (those it marked then, else
        all of the case's messages, marked now), oldest first."""
        ...

    def not_carried(self, complaint_id: int, key: str) -> list[Message]:
        """The case's messages the ticket request `key` does not carry (stored since its first try), oldest first."""
        ...
