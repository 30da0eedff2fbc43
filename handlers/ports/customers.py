"""The customers port: customers known by handle, with their tier, and their erasure."""

from __future__ import annotations

from typing import Protocol

from handlers.domain.people import Erased


class CustomerRepository(Protocol):
    """Customers known by handle, with their tier."""

    def tier_of(self, handle: str) -> str:
        """Return the customer's tier ("standard" when unknown)."""
        ...

    def tiers_of(self, handles: set[str]) -> dict[str, str]:
        """Tiers of the registered customers among `handles` (lower-cased keys); the others are standard."""
        ...

    def set_tier(self, handle: str, tier: str) -> None:
        """Register (or change) a customer's tier."""
        ...

    def erase(self, handle: str, *, preview: bool = False) -> Erased:
        """Erase the customer's posts, names and handles (complaints, messages, built-in tickets, audit details, the
        registry), keeping what stats count; `preview` only counts. The handle is lower-cased, without @."""
        ...

    def registered(self) -> list[tuple[str, str]]:
        """Every registered customer's handle and tier, by handle."""
        ...
