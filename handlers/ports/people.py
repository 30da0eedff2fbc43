"""The people port: one row per person, with their identities per surface."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from handlers.domain.people import Identity, Person


class PeopleRepository(Protocol):
    """People, one row each, with their identities per surface."""

    def resolve(self, identity: Identity) -> Person:
        """The person with this identity: found, linked to the person with the same email, or added; their name
        kept up to date."""
        ...

    def get_many(self, keys: Collection[str]) -> dict[str, Person]:
        """The people with these keys (unknown keys are left out)."""
        ...
