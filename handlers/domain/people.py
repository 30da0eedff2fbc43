"""People: one row per person, with their identity on each chat surface, so a claim made in one tool is theirs in
every other; and what erasing a customer reached."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from handlers.domain.complaint import Actor, Role
from handlers.domain.rich_text import Mention


@dataclass(frozen=True)
class Identity:
    """Who someone is on one surface: their id there, the name it shows, and their email when it says."""

    surface: str
    external_id: str
    name: str = ""
    email: str | None = None


@dataclass(frozen=True)
class Person:
    """A person on the care team (or anyone who spoke to Squeaky), with their ids per surface."""

    id: int
    name: str
    handles: Mapping[str, str] = field(default_factory=dict, hash=False)
    email: str | None = None

    @property
    def key(self) -> str:
        """How owners, rosters, pages and the audit trail name this person."""
        return str(self.id)

    def actor(self, surface: str, roles: frozenset[Role]) -> Actor:
        """This person acting from `surface` with `roles`."""
        return Actor(id=self.key, name=self.name, surface=surface, roles=roles, handles=dict(self.handles))

    def mention(self) -> Mention:
        """This person, to mention in a line of text."""
        return Mention(self.name, dict(self.handles))


ERASED_TEXT = "[erased at the customer's request]"
ERASED_HANDLE = "erased"
ERASED_NAME = "a forgotten customer"


@dataclass(frozen=True)
class Erased:
    """What an erasure reached (or would reach): complaints by id, and counts of the rest."""

    complaints: tuple[int, ...] = ()
    messages: int = 0
    tickets: int = 0
    audit_details: int = 0
    registry: int = 0  # their tier in the VIP registry
    stream: int = 0  # posts still on the stream, not stored yet

    def describe(self) -> str:
        """One line, with no erased data in it."""
        return (
            f"{len(self.complaints):,} complaint(s), {self.messages:,} post(s), {self.tickets:,} ticket(s), "
            f"{self.audit_details:,} audit detail(s), {self.registry} registry entry, {self.stream:,} post(s) "
            "not stored yet"
        )
