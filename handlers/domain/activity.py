"""The line each action leaves in a card's thread: who did what (platform-neutral; renderers add the mention)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.domain.complaint import Actor


@dataclass(frozen=True)
class ActivityLine:
    """One line of a card's history: the actor and what they did, in words."""

    actor: Actor
    text: str

    def payload(self) -> dict[str, object]:
        """As an outbox payload."""
        return {
            "actor_id": self.actor.id,
            "actor_name": self.actor.name,
            "actor_surface": self.actor.surface,  # where they acted ("surface" names where the line goes)
            "handles": dict(self.actor.handles),
            "text": self.text,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> ActivityLine:
        """Back from an outbox payload."""
        handles = payload.get("handles")
        actor = Actor(
            str(payload["actor_id"]),
            str(payload["actor_name"]),
            str(payload.get("actor_surface") or ""),
            handles={str(k): str(v) for k, v in handles.items()} if isinstance(handles, dict) else {},
        )
        return cls(actor, str(payload["text"]))
