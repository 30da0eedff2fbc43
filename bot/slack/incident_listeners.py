"""Slack listeners for "Acknowledge all": the button opens the incident reply's modal (leads only), typing and
templates redraw its counts, and sending hands the reply to the incident desk, which the worker carries out."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outages import OUTAGES, describe_outage
from bot.slack import action_ids
from bot.slack.form_seal import form_key, seal, user_of
from bot.slack.incident_form import incident_modal, incident_of, incident_text
from bot.slack.listeners import AfterAck
from bot.slack.modals import value_of
from bot.slack.payloads import BadPayload, actor_of
from bot.wiring import Services
from handlers.cases.errors import SqueakyError

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Attach the incident reply's listeners to `app`."""
    desk = services.incident_desk
    seal_key = form_key(services.settings)
    after_ack = AfterAck(threads=2)

    def say(client: WebClient, body: dict[str, Any], text: str) -> None:
        """A private word to the presser, in their direct messages with Squeaky."""
        user_id = (body.get("user") or {}).get("id")
        try:
            channel = client.conversations_open(users=user_id)["channel"]["id"]
            client.chat_postMessage(channel=channel, text=text)
        except SlackApiError as exc:
            log.warning("could not tell the lead: %s", exc.response.get("error"))

    def open_form(body: dict[str, Any], key: str, client: WebClient) -> None:
        try:
            form = desk.form(actor_of(body, services), key)
            view = seal(incident_modal(form), user_of(body), seal_key)
            client.views_open(trigger_id=str(body.get("trigger_id")), view=view)
        except (SqueakyError, BadPayload) as exc:
            say(client, body, f"Sorry: {exc}")
        except OUTAGES as exc:
            log.warning("the incident form could not be opened: %s", describe_outage(exc))
            say(client, body, "Sorry: Squeaky cannot reach its database just now. Try again in a minute.")

    def on_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        after_ack.submit(open_form, body, str(action.get("value") or ""), client)

    def redraw(body: dict[str, Any], client: WebClient, text: str, version: int) -> None:
        view = body.get("view") or {}
        key, _ = incident_of(view)
        try:
            form = desk.form(actor_of(body, services), key, text)
            redrawn = seal(incident_modal(form, text_version=version), user_of(body), seal_key)
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=redrawn)
        except (SqueakyError, BadPayload, SlackApiError, KeyError) as exc:
            log.warning("could not redraw the incident form: %s", exc)

    def on_typing(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        text, _ = incident_text(view)
        redraw(body, client, text, incident_of(view)[1])

    def on_template(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        try:
            chosen = int((action.get("selected_option") or {}).get("value") or 0)
            text = desk.choices()[chosen].text
        except (ValueError, IndexError):
            return
        redraw(body, client, text, incident_of(view)[1] + 1)  # a new block id shows the template's text

    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        key, _ = incident_of(view)
        text, block = incident_text(view)
        status = value_of(view, "status") or ""
        try:
            form = desk.send(actor_of(body, services), key, text, status)
        except (SqueakyError, BadPayload) as exc:
            ack(response_action="errors", errors={block: str(exc)[:300]})
            return
        except OUTAGES as exc:
            log.warning("the incident reply could not be taken: %s", describe_outage(exc))
            ack(response_action="errors", errors={block: "Squeaky cannot reach its database just now."})
            return
        ack()
        say(client, body, f"Your reply to {form.title} is going out. {form.summary()}")

    app.action(action_ids.INCIDENT)(on_button)
    app.action(action_ids.INCIDENT_TEXT)(on_typing)
    app.action(action_ids.INCIDENT_TEMPLATE)(on_template)
    app.view(action_ids.INCIDENT_VIEW)(on_submit)
