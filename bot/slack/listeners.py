"""Slack listeners: ack first, translate the payload into a command, run one use case, render the result."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot.slack import action_ids
from bot.wiring import Services
from handlers.claim import claim, release
from handlers.errors import SqueakyError
from handlers.model import Action, Actor, CardRef

log = logging.getLogger(__name__)

_USE_CASES = {Action.CLAIM: claim, Action.RELEASE: release}


class BadPayload(ValueError):
    """An interaction payload we cannot read; the message is fit to show the user."""


def actor_of(body: dict[str, Any]) -> Actor:
    """The Slack user who clicked, as the core's Actor."""
    user = body.get("user") or {}
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise BadPayload("the click carried no user")
    name = user.get("username") or user.get("name") or user_id
    return Actor(id=user_id, name=str(name), surface="slack")


def card_of(body: dict[str, Any]) -> CardRef | None:
    """The card the click came from."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if isinstance(channel, str) and isinstance(ts, str):
        return CardRef(channel=channel, message_id=ts)
    return None


def complaint_id_of(action: dict[str, Any]) -> int:
    """The complaint a button names."""
    value = action.get("value")
    if not isinstance(value, str) or not value.isdigit():
        raise BadPayload("this button names no complaint; the card may be from an older version")
    return int(value)


def register(app: App, services: Services) -> None:
    """Attach every Squeaky listener to `app`."""

    def on_card_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        ref = card_of(body)
        try:
            actor = actor_of(body)
            complaint_id = complaint_id_of(action)
            use_case = _USE_CASES[action_ids.ACTION_BY_ID[action["action_id"]]]
        except BadPayload as exc:
            log.warning("unreadable interaction payload: %s", exc)
            _tell(services, ref, (body.get("user") or {}).get("id"), f"Sorry, that didn't work: {exc}.")
            return
        try:
            use_case(services.uow_factory, services.clock, complaint_id, actor)
        except SqueakyError as exc:
            _tell(services, ref, actor.id, str(exc))
            return
        services.outbox_runner.run_due(complaint_id=complaint_id)

    for action_id in action_ids.ACTION_BY_ID:
        app.action(action_id)(on_card_button)


def _tell(services: Services, ref: CardRef | None, user_id: object, text: str) -> None:
    if ref is None or not isinstance(user_id, str):
        log.warning("could not tell the user: %s", text)
        return
    try:
        services.chat.tell(ref, user_id, text)
    except Exception:
        log.exception("could not send an ephemeral message")
