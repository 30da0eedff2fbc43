"""Slack listeners for the card's modals: the live character count, template choice, and each submission, each
turned into one request to the agents' desk (handlers.cases.agent_desk)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outages import OUTAGES, describe_outage, not_through
from bot.slack import action_ids
from bot.slack.budget import AnswerBudget
from bot.slack.form_seal import form_key, seal, user_of
from bot.slack.modals import acknowledge_modal, metadata, reply_text, value_of
from bot.slack.parts import slack_of
from bot.slack.payloads import BadPayload, actor_of, tell
from bot.slack.refs import SURFACE
from bot.wiring import Services
from handlers.cases.agent_desk import ActionRequest, Outcome
from handlers.cases.errors import SqueakyError
from handlers.domain.complaint import Action, Actor
from handlers.domain.people import Identity

log = logging.getLogger(__name__)
FIELDS = {  # each form's fields, by the block that holds them
    Action.TICKET: ("subject", "priority", "notes", "contact"),
    Action.DISMISS: ("reason",),
    Action.MERGE: ("into",),
    Action.PRIVATE_REPLY: ("text",),
}


def _complaint_id(view: dict[str, Any]) -> int:
    value = metadata(view).get("complaint_id")
    if not isinstance(value, int):
        raise BadPayload("this form names no complaint")
    return value


def register(app: App, services: Services) -> None:
    """Attach the modals' listeners to `app`."""
    desk = services.agent_desk
    key = form_key(services.settings)
    budget = AnswerBudget()

    def redraw(client: WebClient, body: dict[str, Any], text: str, version: int, note: str = "", **hashed: Any) -> Any:
        view = body.get("view") or {}
        form = desk.reply_form(desk.load(_complaint_id(view)), text, note)
        redrawn = seal(acknowledge_modal(form, text_version=version), user_of(body), key)
        return client.views_update(view_id=view["id"], hash=hashed.get("hash", view.get("hash")), view=redrawn)

    def on_draft(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Ask the drafting model after acking: the modal says so at once, and shows the draft when it comes (or why
        not, with the suggestions still there)."""
        ack()
        view = body.get("view") or {}
        text, _block = reply_text(view)
        version = int(metadata(view).get("text_version") or 0)
        try:
            complaint = desk.load(_complaint_id(view))
            try:
                redraw(client, body, text or "", version, "Drafting a reply…")
            except SlackApiError:  # the agent typed meanwhile: the draft still comes
                log.info("the modal changed before it could say a draft is coming")
            draft = desk.draft(complaint)
            new_text, version = (draft.text, version + 1) if draft.drafted else (text or "", version)
            redraw(client, body, new_text, version, draft.note, hash=None)  # the draft was asked for: it wins
        except (SqueakyError, BadPayload, SlackApiError):
            log.warning("could not draft a reply", exc_info=True)
        except OUTAGES as exc:
            log.warning("could not draft a reply: %s", describe_outage(exc))

    def on_typing(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        text, _block = reply_text(view)
        try:
            redraw(client, body, text or "", int(metadata(view).get("text_version") or 0))
        except Exception:
            log.warning("could not update the character count", exc_info=True)

    def on_choice(suggested: bool) -> Any:
        """A listener for the template menu, or the suggestions menu: the choice's text replaces what was typed."""

        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            ack()
            view = body.get("view") or {}
            try:
                chosen = int((action.get("selected_option") or {}).get("value") or 0)
                complaint = desk.load(_complaint_id(view))
                choices = desk.suggestion_choices(complaint) if suggested else desk.template_choices(complaint)
                # a new block id makes Slack show the chosen text instead of what was typed
                redraw(client, body, choices[chosen].text, int(metadata(view).get("text_version") or 0) + 1)
            except (SqueakyError, BadPayload, IndexError, ValueError):
                log.warning("could not apply the %s", "suggestion" if suggested else "template", exc_info=True)

        return listener

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], block: str, request: Any) -> None:
        """Run the request before acking, so a refusal shows in the modal itself; if it cannot finish within
        Slack's deadline (Slack slow to say who is on the team), the modal closes and a refusal comes privately."""

        def work() -> str | None:
            try:
                outcome: Outcome = desk.act(request(_complaint_id(view), actor_of(body, services)))
            except (SqueakyError, BadPayload) as exc:
                return str(exc)[:300]
            except OUTAGES as exc:  # nothing was decided: the form stays open, with what was typed, to send again
                log.warning("a form could not be submitted: %s", describe_outage(exc))
                return not_through(exc, "submit again")
            return outcome.refusal

        future = budget.start(work)
        if not future.done():
            ack()
            user_id = (body.get("user") or {}).get("id")
            future.add_done_callback(lambda done: _tell_late(view, user_id, done.result()))
            return
        refusal = future.result()
        if refusal:
            ack(response_action="errors", errors={block: refusal})
        else:
            ack()

    def _tell_late(view: dict[str, Any], user_id: object, refusal: str | None) -> None:
        if refusal is None:
            return
        try:
            card = desk.load(_complaint_id(view)).card_on(SURFACE)
        except (SqueakyError, BadPayload):
            card = None
        except OUTAGES:
            card = None  # the database is away: the refusal is logged, as it cannot be shown next to the card
        tell(services, card, user_id, refusal)

    def on_acknowledge(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text, block = reply_text(view)
        values = {"text": text or ""}
        submit(ack, body, view, block, lambda cid, who: ActionRequest(who, cid, Action.ACKNOWLEDGE, values))

    def on_form(action: Action, first_field: str) -> Any:
        def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            values = {name: value_of(view, name) or "" for name in FIELDS[action]}
            submit(ack, body, view, first_field, lambda cid, who: ActionRequest(who, cid, action, values))

        return listener

    def on_reassign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = value_of(view, "agent")
        if not user_id:
            ack(response_action="errors", errors={"agent": "Pick the agent to hand this to."})
            return

        def request(cid: int, who: Actor) -> ActionRequest:
            team = slack_of(services).team
            to = services.who.actor(Identity(SURFACE, user_id, team.name_of(user_id)), team.roles_of(user_id))
            return ActionRequest(who, cid, Action.REASSIGN, to=to)

        submit(ack, body, view, "agent", request)

    app.action(action_ids.REPLY_TEXT)(on_typing)
    app.action(action_ids.REPLY_TEMPLATE)(on_choice(suggested=False))
    app.action(action_ids.REPLY_SUGGESTION)(on_choice(suggested=True))
    app.action(action_ids.REPLY_DRAFT)(on_draft)
    app.view(action_ids.ACK_VIEW)(on_acknowledge)
    app.view(action_ids.TICKET_VIEW)(on_form(Action.TICKET, "subject"))
    app.view(action_ids.DISMISS_VIEW)(on_form(Action.DISMISS, "reason"))
    app.view(action_ids.MERGE_VIEW)(on_form(Action.MERGE, "into"))
    app.view(action_ids.REASSIGN_VIEW)(on_reassign)
    app.view(action_ids.PRIVATE_REPLY_VIEW)(on_form(Action.PRIVATE_REPLY, "text"))
