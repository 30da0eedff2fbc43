"""Slack listeners for the card's buttons and menu: ack first, translate the payload, run one use case.

The card itself is rendered by the outbox (for everyone, through chat.update); a
refusal goes to the clicker alone, as an ephemeral message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import action_ids
from bot.slack.modals import Pricing, acknowledge_modal, dismiss_modal, merge_modal, reassign_modal, ticket_modal
from bot.tickets.links import signed_link
from bot.wiring import Services
from handlers import actions
from handlers.claim import claim, release
from handlers.errors import ComplaintNotFound, InvalidRequest, SqueakyError
from handlers.escalation import who_is_on_call
from handlers.model import Action, Actor, CardRef, Complaint, Role
from handlers.replies import ReplyTemplate, available, render
from handlers.transitions import check_allowed

log = logging.getLogger(__name__)


class BadPayload(ValueError):
    """An interaction payload we cannot read; the message is fit to show the user."""


def actor_of(body: dict[str, Any], services: Services) -> Actor:
    """The Slack user who acted, as the core's Actor with their roles on the care team."""
    user = body.get("user") or {}
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise BadPayload("the click carried no user")
    name = user.get("username") or user.get("name") or user_id
    return Actor(id=user_id, name=str(name), surface="slack", roles=services.team.roles_of(user_id))


def card_of(body: dict[str, Any]) -> CardRef | None:
    """The card the click came from."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if isinstance(channel, str) and isinstance(ts, str):
        return CardRef(channel=channel, message_id=ts)
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
        services.chat.tell(ref, user_id, text)
    except Exception:
        log.exception("could not send an ephemeral message")


def load(services: Services, complaint_id: int) -> Complaint:
    """The complaint, or ComplaintNotFound."""
    with services.uow_factory() as uow:
        complaint = uow.complaints.get(complaint_id)
    if complaint is None:
        raise ComplaintNotFound(complaint_id)
    return complaint


def template_choices(services: Services, complaint: Complaint) -> list[tuple[ReplyTemplate, str]]:
    """The templates that fit this complaint, each with its text filled in."""
    link = services.settings.x_dm_link
    return [(t, render(t, complaint, link)) for t in available(services.templates, complaint)]


def pricing(services: Services) -> Pricing:
    """What a post costs on X, from the settings, and how X counts its length."""
    settings = services.settings
    return Pricing(settings.x_cost_per_post, settings.x_cost_per_post_with_url, services.post_length)


def reply_allowed(complaint: Complaint) -> bool:
    """X lets us reply publicly only to posts that mention or quote our account."""
    return complaint.mentions_us or complaint.source != "x"


def ticket_link(services: Services, actor: Actor, complaint_id: int) -> str:
    """A short-lived signed link to the complaint's built-in ticket, for someone on the care team."""
    if Role.AGENT not in actor.roles:
        raise InvalidRequest("You are not on the care team, so you can't open tickets. Ask a team lead.")
    settings, store = services.settings, services.builtin_tickets
    if store is None or not settings.public_url or settings.slack_signing_secret is None:
        raise InvalidRequest("Ticket pages need PUBLIC_URL and SLACK_SIGNING_SECRET: ask whoever runs Squeaky.")
    ticket_id = store.of_complaint(complaint_id)
    if ticket_id is None:
        raise InvalidRequest(f"#{complaint_id} has no ticket in Squeaky.")
    life = timedelta(minutes=settings.ticket_link_minutes)
    secret = settings.slack_signing_secret.get_secret_value()
    return signed_link(settings.public_url, secret, ticket_id, services.clock.now(), life)


def open_modal(services: Services, client: WebClient, trigger_id: str, action: Action, complaint: Complaint) -> None:
    """Open the modal for `action` (within the 3 seconds trigger_id lives)."""
    if action is Action.ACKNOWLEDGE:
        choices = template_choices(services, complaint)
        text = choices[0][1] if choices else ""
        view = acknowledge_modal(complaint, choices, text, pricing(services), allowed=reply_allowed(complaint))
    elif action is Action.TICKET:
        view = ticket_modal(complaint, services.ticket_system)
    elif action is Action.DISMISS:
        view = dismiss_modal(complaint)
    elif action is Action.MERGE:
        view = merge_modal(complaint)
    else:
        view = reassign_modal(complaint)
    client.views_open(trigger_id=trigger_id, view=view)


def register(app: App, services: Services) -> None:
    """Attach the card's listeners to `app`."""
    uow, clock = services.uow_factory, services.clock
    immediate: dict[Action, Callable[[int, Actor], object]] = {
        Action.CLAIM: lambda cid, who: claim(uow, clock, cid, who),
        Action.RELEASE: lambda cid, who: release(uow, clock, cid, who),
        Action.CLOSE: lambda cid, who: actions.close(uow, clock, cid, who),
        Action.ESCALATE: lambda cid, who: actions.escalate(
            uow, clock, cid, who, who_is_on_call(uow, clock, services.settings.oncall_user)
        ),
    }
    with_modal = {Action.ACKNOWLEDGE, Action.TICKET, Action.DISMISS, Action.MERGE, Action.REASSIGN}

    def run(action: Action, value: object, body: dict[str, Any], client: WebClient) -> None:
        ref = card_of(body)
        try:
            actor = actor_of(body, services)
            complaint_id = complaint_id_of(value)
            if action in with_modal:
                complaint = load(services, complaint_id)
                check_allowed(uow, clock, complaint, action, actor)  # say no now (audited), not after the modal
                open_modal(services, client, str(body.get("trigger_id")), action, complaint)
                return
            immediate[action](complaint_id, actor)
        except BadPayload as exc:
            log.warning("unreadable interaction payload: %s", exc)
            tell(services, ref, (body.get("user") or {}).get("id"), f"Sorry, that didn't work: {exc}.")
            return
        except SqueakyError as exc:
            tell(services, ref, (body.get("user") or {}).get("id"), str(exc))
            return
        if action is Action.ESCALATE:
            tell(services, ref, actor.id, "On-call has been pinged with a link to this card.")

    def on_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        run(action_ids.ACTION_BY_ID[action["action_id"]], action.get("value"), body, client)

    def on_more(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str((action.get("selected_option") or {}).get("value") or "")
        name, _, _rest = value.partition(":")
        try:
            chosen = Action(name)
        except ValueError:
            tell(services, card_of(body), (body.get("user") or {}).get("id"), "Sorry, that menu item is unknown.")
            return
        run(chosen, value, body, client)

    def on_open_ticket(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        ref, user_id = card_of(body), (body.get("user") or {}).get("id")
        try:
            link = ticket_link(services, actor_of(body, services), complaint_id_of(action.get("value")))
        except (BadPayload, SqueakyError) as exc:
            tell(services, ref, user_id, str(exc))
            return
        minutes = services.settings.ticket_link_minutes
        tell(services, ref, user_id, f"<{link}|Open the ticket> (this link works for {minutes:g} minutes, for you).")

    for action_id in action_ids.ACTION_BY_ID:
        app.action(action_id)(on_button)
    app.action(action_ids.OPEN_TICKET)(on_open_ticket)
    app.action(action_ids.MORE)(on_more)
