"""Slack listeners for the card's buttons and menu: ack first, then translate the payload.

A click with no form is queued for a worker to decide, or decided here right after the ack
when SLACK_WEB_CLICK_THREADS gives this process room (bot.slack.clicks, bot.slack.web_clicks);
one with a form is checked and its form (the core's, from handlers.cases.agent_desk) opened
here as a modal.
The card itself is rendered by the outbox (for everyone, through chat.update); a refusal goes
to the clicker alone, as an ephemeral message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.outages import OUTAGES, describe_outage, not_through
from bot.slack import action_ids
from bot.slack.clicks import DECIDED_BY_WORKER, ClickDecider, enqueue
from bot.slack.form_seal import form_key, seal
from bot.slack.modals import modal_for
from bot.slack.parts import slack_of
from bot.slack.payloads import BadPayload, actor_of, card_of, complaint_id_of, tell
from bot.slack.web_clicks import WebDecisions
from bot.wiring import Services
from handlers.cases.errors import SqueakyError
from handlers.domain.complaint import Action
from storage.sql.queued_clicks import SqlQueuedClicks

log = logging.getLogger(__name__)
AFTER_ACK_THREADS = 4  # forms opened at once per web process (each within the 3 s a trigger_id lives)


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
    after_ack = AfterAck()
    key = form_key(services.settings)
    kept = SqlQueuedClicks(services.engine, services.clock)  # each click recorded until decided: Redis may lose it
    here = WebDecisions(ClickDecider(services), services.settings.slack_web_click_threads)  # decided right after acks

    def act(action: Action, value: object, body: dict[str, Any], client: WebClient) -> None:
        """A click with no form is queued, and decided here if this process has room (else by a worker); one that
        opens a form is checked, and its form opened."""
        if action in DECIDED_BY_WORKER:
            try:
                here.offer(enqueue(slack_of(services).clicks, action, value, body, kept))
            except Exception as exc:
                if isinstance(exc, OUTAGES):
                    log.warning("a %s click could not be queued: %s", action.value, describe_outage(exc))
                else:
                    log.exception("a %s click could not be queued", action.value)
                tell(services, card_of(body), (body.get("user") or {}).get("id"), not_through(exc))
            return
        after_ack.submit(open_form, action, value, body, client)

    def open_form(action: Action, value: object, body: dict[str, Any], client: WebClient) -> None:
        """Open the click's form; whatever stops it, the clicker is told privately (never left with nothing)."""
        ref, user_id = card_of(body), (body.get("user") or {}).get("id")
        try:
            form = services.agent_desk.form(actor_of(body, services), complaint_id_of(value), action)
            view = seal(modal_for(form), str(user_id), key)
            client.views_open(trigger_id=str(body.get("trigger_id")), view=view)
        except BadPayload as exc:
            log.warning("unreadable interaction payload: %s", exc)
            tell(services, ref, user_id, f"Sorry, that didn't work: {exc}.")
        except SqueakyError as exc:
            tell(services, ref, user_id, str(exc))
        except OUTAGES as exc:
            log.warning("a %s click could not open its form: %s", action.value, describe_outage(exc))
            tell(services, ref, user_id, not_through(exc))
        except Exception as exc:
            log.exception("a %s click could not open its form", action.value)
            tell(services, ref, user_id, not_through(exc))

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
            link = services.ticket_page_link(actor_of(body, services), complaint_id_of(action.get("value")))
        except (BadPayload, SqueakyError) as exc:
            tell(services, ref, user_id, str(exc))
            return
        except OUTAGES as exc:
            log.warning("an open-ticket click could not make its link: %s", describe_outage(exc))
            tell(services, ref, user_id, not_through(exc))
            return
        minutes = services.settings.ticket_link_minutes
        tell(services, ref, user_id, f"<{link}|Open the ticket> (this link works for {minutes:g} minutes, for you).")

    for action_id in action_ids.ACTION_BY_ID:
        app.action(action_id)(on_button)
    app.action(action_ids.OPEN_TICKET)(on_open_ticket)
    app.action(action_ids.MORE)(on_more)
