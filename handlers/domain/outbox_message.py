"""What every outbox message is: a small frozen dataclass per kind, stored as its kind's name and a JSON payload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Self

# Card updates, thread lines of agents' actions and alerts go first; new cards and customers' follow-ups go by
# their case's queue rank.
URGENT_RANK = 1e15
DEFAULT_CHANNEL = ""  # the surface's own channel for cards, until queues name theirs


class UnreadableMessage(ValueError):
    """A stored message whose kind no version of Squeaky knows, or whose payload misses what its kind needs."""


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """One side effect waiting in the outbox, typed by its kind. `KIND` is the name stored with it; `lane` the
    outside budget it shares with others (a rate limit or an outage pauses its lane, not the others); `ordering` the
    chat channel whose order it keeps (None: it needs no hold on a channel)."""

    KIND: ClassVar[str] = ""
    ORDERED: ClassVar[bool] = False  # its channel's messages of ordered kinds go out one worker at a time, by rank

    @property
    def kind(self) -> str:
        """The kind's stored name."""
        return self.KIND

    @property
    def lane(self) -> str:
        """The lane it travels in."""
        return self.kind

    @property
    def ordering(self) -> str | None:
        """The chat channel whose order it keeps, or None."""
        return None

    def to_payload(self) -> dict[str, Any]:
        """Its fields as the JSON payload stored in the outbox row."""
        raise NotImplementedError

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """Back from a stored row's payload (`kind`: the stored name, which some classes read a flag from)."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class ChatMessage(Outgoing):
    """A message for a chat tool. The core decides it once; the fan-out (handlers.dispatch.fan_out) queues it once
    per surface that is on, naming the surface and the channel there (`channels`: the queue's channel on each
    surface, read by the fan-out and not stored)."""

    surface: str = ""
    channel: str = ""
    channels: Mapping[str, str] = field(default_factory=dict)

    ON_A_CARD: ClassVar[bool] = False  # it goes where the complaint's card is
    WAITS_FOR_CARD: ClassVar[bool] = False  # a line in the card's thread: due once the card is out there

    @property
    def lane(self) -> str:
        """The surface's channel (`*`: the surface's own); before the fan-out, the kind."""
        return f"{self.surface}:{self.channel or '*'}" if self.surface else self.kind

    @property
    def ordering(self) -> str | None:
        """The surface's channel, for the kinds whose order agents see."""
        return f"{self.surface}:{self.channel or '*'}" if self.ORDERED and self.surface else None

    def on(self, surface: str, channel: str) -> Self:
        """This message for one surface and its channel there."""
        return replace(self, surface=surface, channel=channel, channels={})

    def _where(self) -> dict[str, Any]:
        where: dict[str, Any] = {"surface": self.surface, "channel": self.channel} if self.surface else {}
        return where | ({"channels": dict(self.channels)} if self.channels else {})

    def to_payload(self) -> dict[str, Any]:
        """The surface and channel (or, before the fan-out, the queue's channels)."""
        return self._where()

    @staticmethod
    def _where_from(payload: Mapping[str, Any]) -> dict[str, Any]:
        channels = payload.get("channels") or {}
        return {
            "surface": str(payload.get("surface") or ""),
            "channel": str(payload.get("channel") or ""),
            "channels": {str(k): str(v) for k, v in channels.items()} if isinstance(channels, Mapping) else {},
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any], kind: str) -> Self:
        """A chat message that carries nothing but where it goes."""
        return cls(**cls._where_from(payload))


def text_or_none(value: object) -> str | None:
    """A payload's optional text field."""
    return str(value) if value else None
