"""What a Slack interaction payload says, read safely: who clicked, on which card, naming which complaint; and how
to answer one person privately next to a card."""

from __future__ import annotations

import logging
from typing import Any

from bot.slack.parts import slack_of
from bot.slack.refs import SURFACE, slack_ref
from bot.wiring import Services
from handlers.domain.complaint import Actor, CardRef
from handlers.domain.people import Identity

log = logging.getLogger(__name__)


class BadPayload(ValueError):
    """An interaction payload we cannot read; the message is fit to show the user."""


def actor_of(body: dict[str, Any], services: Services) -> Actor:
    """The Slack user who acted, as the person they are, with their roles on the care team."""
    user = body.get("user") or {}
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise BadPayload("the click carried no user")
    name = str(user.get("username") or user.get("name") or user_id)
    return services.who.actor(Identity(SURFACE, user_id, name), slack_of(services).team.roles_of(user_id))


def card_of(body: dict[str, Any]) -> CardRef | None:
    """The card the click came from."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if isinstance(channel, str) and isinstance(ts, str):
        return slack_ref(channel, ts)
    return None


def complaint_id_of(value: object) -> int:
    """The complaint a button (or a menu option, `action:id`) names."""
    text = str(value or "").rsplit(":", 1)[-1]
    if not text.isdigit():
        raise BadPayload("this button names no complaint; the card may be from an older version")
    return int(text)


def tell(services: Services, ref: CardRef | None, user_id: object, text: str) -> None:
    """An ephemeral message to one user, next to the card (logged if it cannot be sent)."""
    if ref is None or not isinstance(user_id, str):
        log.warning("could not tell the user: %s", text)
        return
    try:
        slack_of(services).chat.tell(ref, user_id, text)
    except Exception:
        log.exception("could not send an ephemeral message")
