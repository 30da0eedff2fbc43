"""Slack listeners for the card's buttons and menu: ack first, then translate the payload.

A click with no form is queued for a worker to decide (bot.slack.clicks); one with a form
is checked and its form opened here. The card itself is rendered by the outbox (for
everyone, through chat.update); a refusal goes to the clicker alone, as an ephemeral message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import action_ids
from bot.slack.clicks import DECIDED_BY_WORKER, enqueue
from bot.slack.modals import Pricing, acknowledge_modal, dismiss_modal, merge_modal, reassign_modal, ticket_modal
from bot.slack.payloads import BadPayload, actor_of, card_of, complaint_id_of, load, tell
from bot.tickets.links import signed_link
from bot.wiring import Services
from handlers.cases.errors import InvalidRequest, SqueakyError
from handlers.cases.model import Action, Actor, Complaint, Role
from handlers.cases.reply_templates import ReplyTemplate, available, render
from handlers.cases.transitions import check_allowed

log = logging.getLogger(__name__)
AFTER_ACK_THREADS = 4  # forms opened at once per web process (each within the 3 s a trigger_id lives)


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


class AfterAck:
    """Where a click's own work runs once Slack has its ack (opening a form, making a ticket link): a few threads of
    its own, so a burst of clicks never holds Bolt's threads, which ack the next clicks."""

    def __init__(self, threads: int = AFTER_ACK_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-decide")

    def submit(self, work: Callable[..., object], *args: object) -> None:
        """Run `work(*args)` soon; a failure is logged, never lost silently."""
        self._pool.submit(self._logged, work, *args)

    @staticmethod
    def _logged(work: Callable[..., object], *args: object) -> None:
        try:
            work(*args)
        except Exception:
            log.exception("a click's work failed after its ack")


def register(app: App, services: Services) -> None:
    """Attach the card's listeners to `app`."""
    uow, clock = services.uow_factory, services.clock
    after_ack = AfterAck()

    def act(action: Action, value: object, body: dict[str, Any], client: WebClient) -> None:
        """A click with no form goes to a worker to decide; one that opens a form is checked, and its form opened."""
        if action in DECIDED_BY_WORKER:
            try:
                enqueue(services.clicks, action, value, body)
            except Exception:
                log.exception("could not queue a click")
                tell(services, card_of(body), (body.get("user") or {}).get("id"), "Sorry, try that again in a moment.")
            return
        after_ack.submit(open_form, action, value, body, client)

    def open_form(action: Action, value: object, body: dict[str, Any], client: WebClient) -> None:
        ref, user_id = card_of(body), (body.get("user") or {}).get("id")
        try:
            actor = actor_of(body, services)
            complaint = load(services, complaint_id_of(value))
            check_allowed(uow, clock, complaint, action, actor)  # say no now (audited), not after the form
            open_modal(services, client, str(body.get("trigger_id")), action, complaint)
        except BadPayload as exc:
            log.warning("unreadable interaction payload: %s", exc)
            tell(services, ref, user_id, f"Sorry, that didn't work: {exc}.")
        except SqueakyError as exc:
            tell(services, ref, user_id, str(exc))

    def on_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        act(action_ids.ACTION_BY_ID[action["action_id"]], action.get("value"), body, client)

    def on_more(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str((action.get("selected_option") or {}).get("value") or "")
        name, _, _rest = value.partition(":")
        try:
            chosen = Action(name)
        except ValueError:
            tell(services, card_of(body), (body.get("user") or {}).get("id"), "Sorry, that menu item is unknown.")
            return
        act(chosen, value, body, client)

    def on_open_ticket(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        after_ack.submit(open_ticket, body, action)

    def open_ticket(body: dict[str, Any], action: dict[str, Any]) -> None:
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
