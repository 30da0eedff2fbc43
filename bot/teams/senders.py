"""Who sent an activity, read safely from what Teams says of them, as the person they are with their roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.teams.face import teams_of
from bot.teams.refs import SURFACE
from bot.wiring import Services
from handlers.domain.complaint import Actor
from handlers.domain.people import Identity


class BadActivity(ValueError):
    """An activity we cannot read; the message is fit to show the user."""


@dataclass(frozen=True)
class Sender:
    """A Teams user: their Teams id (29:…), their name, and their Microsoft Entra object id when Teams says."""

    user_id: str
    name: str
    aad_object_id: str | None = None


def sender_of(account: Any) -> Sender:
    """The sender of an activity (`from`)."""
    user_id = getattr(account, "id", None)
    if not isinstance(user_id, str) or not user_id or len(user_id) > 255:
        raise BadActivity("the activity carried no sender")
    name = getattr(account, "name", None)
    aad = getattr(account, "aad_object_id", None)
    return Sender(user_id, str(name or user_id)[:120], str(aad)[:64] if aad else None)


def actor_of(sender: Sender, services: Services) -> Actor:
    """The person behind `sender`, acting from Teams with the roles the care team's directory gives them."""
    directory = teams_of(services).directory
    directory.saw(sender.user_id, sender.aad_object_id, sender.name)
    identity = Identity(SURFACE, sender.user_id, sender.name)
    return services.who.actor(identity, directory.roles_of(sender.user_id))


def complaint_id_of(data: Any) -> int:
    """The complaint a button's data names."""
    value = data.get("complaint_id") if isinstance(data, dict) else None
    text = str(value if value is not None else "")
    if not text.isdigit() or len(text) > 12:
        raise BadActivity("this button names no complaint; the card may be from an older version")
    return int(text)
