"""The chat tools as the core needs them, split by role: a card surface, a notifier and a directory, registered per
surface ("slack", "teams") in the one wiring point. What only one tool can do (an answer only the clicker sees,
a pop-up form) stays in its face: a use case returns a typed outcome, and each face delivers it its own way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.domain.activity import ActivityLine
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import CardRef, Role
from handlers.domain.rich_text import Line


class CardSurface(Protocol):
    """Where cards live: posted in a channel, updated for everyone, with lines in their thread."""

    def post_card(self, channel: str, card: CardView) -> CardRef:
        """Post a new card in `channel` (empty: the surface's own channel for cards); return where it lives."""
        ...

    def update_card(self, ref: CardRef, card: CardView) -> None:
        """Replace a card's content for everyone."""
        ...

    def find_card(
        self, channel: str, complaint_id: int, since: datetime, tried_before: datetime | None = None
    ) -> CardRef | None:
        """The complaint's card if one was posted after `since` (a post whose answer was lost); None where the tool
        cannot look. `tried_before`: every earlier try began before it (a look taken since then may serve others)."""
        ...

    def post_followup(self, ref: CardRef, followup: FollowUpLine) -> None:
        """Add a customer's follow-up under the card, in its thread."""
        ...

    def post_activity(self, ref: CardRef, line: ActivityLine) -> None:
        """Add a line of history (who did what) under the card, in its thread."""
        ...

    def permalink(self, ref: CardRef) -> str | None:
        """A link that opens the card for anyone on the team."""
        ...


@dataclass(frozen=True)
class Notice:
    """A message to a channel: its words, whom it calls on, and the buttons it carries."""

    text: str | Line
    leads: bool = False  # call on the team leads ...
    group: tuple[str, ...] = ()  # ... or, when given, a queue's own lead group (ids on the surface)
    take_next: str | None = None  # a "Take next" button: the next complaint waiting on this queue, for the presser
    acknowledge_all: str | None = None  # an "Acknowledge all" button: the incident reply's form for this incident


class Notifier(Protocol):
    """Reaching people: a direct message to one, an announcement in a channel, calling on a group."""

    def notify(self, handle: str, text: str | Line, card: CardRef | None) -> None:
        """Send the person with this id on the surface a direct message, with a link to the card when there is one."""
        ...

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        """Post the notice in `channel` (empty: the surface's own), or, with `ref`, replace that earlier one instead
        (an alert whose count moved on). Return where it lives."""
        ...


class Directory(Protocol):
    """Who is on the care team on this surface, who leads, and what they are called."""

    def roles_of(self, handle: str) -> frozenset[Role]:
        """The roles of the person with this id on the surface (none: not on the care team)."""
        ...

    def name_of(self, handle: str) -> str:
        """Their display name (their id when the surface will not say)."""
        ...


@dataclass(frozen=True)
class Face:
    """One chat tool as the core sees it."""

    cards: CardSurface
    notifier: Notifier
    directory: Directory


Faces = Mapping[str, Face]  # by surface name
