"""The outbox's chat messages: cards, their updates, lines in their threads, moves, direct messages, announcements.

Idempotency keys keep the names they had before the kinds were renamed, so a message decided before an upgrade is
never queued a second time after it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from handlers.domain.activity import ActivityLine
from handlers.domain.card import STANDARD_TIER
from handlers.domain.outbox_message import ChatMessage, text_or_none


@dataclass(frozen=True, kw_only=True)
class CardPost(ChatMessage):
    """Post a new case's card. One of a tier above standard (`reserved`) may take the channel's reserved slot, which
    our own pace pausing the channel leaves free, and holds no channel's order: it goes ahead of all of them."""

    reserved: bool = False

    KIND: ClassVar[str] = "card.post"
    RESERVED_KIND: ClassVar[str] = "card.post.reserved"

    @property
    def kind(self) -> str:
        """`card.post`, or `card.post.reserved` for a tier above standard."""
        return self.RESERVED_KIND if self.reserved else self.KIND

    @property
    def lane(self) -> str:
        """The channel, or its reserved slot."""
        lane = super().lane
        return f"{lane}:reserve" if self.reserved and self.surface else lane

    @property
    def ordering(self) -> str | None:
        """A standard card keeps its channel's rank order; a reserved one goes first."""
        return None if self.reserved else f"{self.surface}:{self.channel or '*'}" if self.surface else None

    @classmethod
    def for_tier(cls, tier: str, channels: Mapping[str, str]) -> CardPost:
        """A new case's card, in its queue's channels."""
        return cls(reserved=tier != STANDARD_TIER, channels=dict(channels))

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row; the stored kind says whether it is reserved."""
        return cls(reserved=kind == cls.RESERVED_KIND, **cls._where_from(payload))

    @staticmethod
    def key(complaint_id: int) -> str:
        """Idempotency key of a complaint's (one) card."""
        return f"card.post:{complaint_id}"


@dataclass(frozen=True, kw_only=True)
class CardUpdate(ChatMessage):
    """Render the complaint's card again from its current state (so a late or repeated update never shows an older
    one). Updates travel in a lane of their own per channel."""

    KIND: ClassVar[str] = "card.update"
    ON_A_CARD: ClassVar[bool] = True

    @property
    def lane(self) -> str:
        """The channel's update lane."""
        return f"{super().lane}:update" if self.surface else self.kind

    @staticmethod
    def key(complaint_id: int, version: int) -> str:
        """Idempotency key of the card update for one version of a complaint."""
        return f"card.update:{complaint_id}:{version}"

    @staticmethod
    def followups_key(complaint_id: int, followup_count: int) -> str:
        """Idempotency key of the card update that shows a new follow-up count."""
        return f"card.update:{complaint_id}:f{followup_count}"

    @staticmethod
    def refresh_key(complaint_id: int, version: int, followup_count: int) -> str:
        """Idempotency key of the update that follows a post which rendered an older version.

        Distinct from `key`: the transition's own update may already have run (and found no card yet), and must not
        swallow this one.
        """
        return f"card.refresh:{complaint_id}:{version}:{followup_count}"


@dataclass(frozen=True, kw_only=True)
class CardFollowUp(ChatMessage):
    """Post a customer's follow-up (a stored message) in their case's card's thread."""

    source: str
    external_id: str

    KIND: ClassVar[str] = "card.followup"
    ORDERED: ClassVar[bool] = True
    ON_A_CARD: ClassVar[bool] = True
    WAITS_FOR_CARD: ClassVar[bool] = True

    def to_payload(self) -> dict[str, Any]:
        """Where it goes and which message it is."""
        return self._where() | {"source": self.source, "external_id": self.external_id}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(source=str(payload["source"]), external_id=str(payload["external_id"]), **cls._where_from(payload))

    @staticmethod
    def key(source: str, external_id: str) -> str:
        """Idempotency key of a follow-up's line in the card's thread."""
        return f"card.followup:{source}:{external_id}"


@dataclass(frozen=True, kw_only=True)
class ThreadLine(ChatMessage):
    """A line in the card's thread: who did what."""

    line: ActivityLine

    KIND: ClassVar[str] = "card.thread_line"
    ORDERED: ClassVar[bool] = True
    ON_A_CARD: ClassVar[bool] = True
    WAITS_FOR_CARD: ClassVar[bool] = True

    @property
    def lane(self) -> str:
        """The channel's lane of thread lines: a line held back by the pace holds back no new card."""
        return f"{super().lane}:lines" if self.surface else self.kind

    def to_payload(self) -> dict[str, Any]:
        """Where it goes, the actor and the words."""
        return self._where() | self.line.payload()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(line=ActivityLine.from_payload(dict(payload)), **cls._where_from(payload))

    @staticmethod
    def key(complaint_id: int, version: int) -> str:
        """Idempotency key of the thread line for one version of a complaint."""
        return f"card.log:{complaint_id}:{version}"


@dataclass(frozen=True, kw_only=True)
class CardMove(ChatMessage):
    """The card goes to another queue's channel (`title`: that queue's); the old one points there."""

    title: str = ""

    KIND: ClassVar[str] = "card.move"
    ORDERED: ClassVar[bool] = True

    def to_payload(self) -> dict[str, Any]:
        """Where it goes and the new queue's title."""
        return self._where() | {"title": self.title}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(title=str(payload.get("title") or ""), **cls._where_from(payload))

    @staticmethod
    def key(complaint_id: int, version: int) -> str:
        """Idempotency key of moving a complaint's card to its new queue's channel."""
        return f"card.move:{complaint_id}:{version}"


@dataclass(frozen=True, kw_only=True)
class DirectMessage(ChatMessage):
    """A direct message to a person (`user`: their key), on each surface where they have an id."""

    user: str
    text: str

    KIND: ClassVar[str] = "chat.direct_message"

    @property
    def lane(self) -> str:
        """The surface's direct messages."""
        return f"{self.surface}:dm" if self.surface else self.kind

    def to_payload(self) -> dict[str, Any]:
        """Where it goes, to whom and what."""
        return self._where() | {"user": self.user, "text": self.text}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        return cls(user=str(payload["user"]), text=str(payload["text"]), **cls._where_from(payload))

    @staticmethod
    def key(purpose: str, complaint_id: int, at: str) -> str:
        """Idempotency key of a direct message about a complaint."""
        return f"chat.dm:{purpose}:{complaint_id}:{at}"


@dataclass(frozen=True, kw_only=True)
class Announcement(ChatMessage):
    """A message in the channel: the leads called on, a spike's or a storm's alert. With an `alert`, a later
    announcement of the same alert updates the earlier one in place."""

    text: str
    alert: str = ""
    leads: bool = False  # call on the team's leads
    group: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a queue's own leads, by surface
    take_next: str | None = None  # a queue's summary offers to take its next complaint
    acknowledge_all: str | None = None  # an incident a lead may answer at once

    KIND: ClassVar[str] = "chat.announcement"
    ORDERED: ClassVar[bool] = True

    def to_payload(self) -> dict[str, Any]:
        """Where it goes, the words and what the notice offers."""
        payload = self._where() | {"text": self.text}
        optional = {
            "alert": self.alert,
            "leads": self.leads,
            "group": {k: list(v) for k, v in self.group.items()},
            "take_next": self.take_next,
            "acknowledge_all": self.acknowledge_all,
        }
        return payload | {name: value for name, value in optional.items() if value}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a row."""
        group = payload.get("group") or {}
        return cls(
            text=str(payload["text"]),
            alert=str(payload.get("alert") or ""),
            leads=bool(payload.get("leads")),
            group={str(k): tuple(str(g) for g in v) for k, v in group.items()} if isinstance(group, Mapping) else {},
            take_next=text_or_none(payload.get("take_next")),
            acknowledge_all=text_or_none(payload.get("acknowledge_all")),
            **cls._where_from(payload),
        )
