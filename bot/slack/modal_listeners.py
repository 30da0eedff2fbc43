"""Slack listeners for the card's modals: the live character count, template choice, and each submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import action_ids
from bot.slack.budget import AnswerBudget
from bot.slack.listeners import pricing, reply_allowed, template_choices
from bot.slack.modals import acknowledge_modal, metadata, reply_text, value_of
from bot.slack.payloads import BadPayload, actor_of, load, tell
from bot.wiring import Services
from handlers.cases import actions
from handlers.cases.errors import InvalidRequest, SqueakyError
from handlers.cases.model import Actor

log = logging.getLogger(__name__)


def _complaint_id(view: dict[str, Any]) -> int:
    value = metadata(view).get("complaint_id")
    if not isinstance(value, int):
        raise BadPayload("this form names no complaint")
    return value


def register(app: App, services: Services) -> None:
    """Attach the modals' listeners to `app`."""
    uow, clock = services.uow_factory, services.clock
    budget = AnswerBudget()

    def redraw(client: WebClient, view: dict[str, Any], text: str, version: int) -> None:
        complaint = load(services, _complaint_id(view))
        new = acknowledge_modal(
            complaint,
            template_choices(services, complaint),
            text,
            pricing(services),
            allowed=reply_allowed(complaint),
            text_version=version,
        )
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=new)

    def on_typing(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        text, _block = reply_text(view)
        try:
            redraw(client, view, text or "", int(metadata(view).get("text_version") or 0))
        except Exception:
            log.warning("could not update the character count", exc_info=True)

    def on_template(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        try:
            complaint = load(services, _complaint_id(view))
            chosen = int((action.get("selected_option") or {}).get("value") or 0)
            text = template_choices(services, complaint)[chosen][1]
            # a new block id makes Slack show the template's text instead of what was typed
            redraw(client, view, text, int(metadata(view).get("text_version") or 0) + 1)
        except (SqueakyError, BadPayload, IndexError, ValueError):
            log.warning("could not apply the template", exc_info=True)

    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], block: str, run: Any) -> None:
        """Run the use case before acking, so a refusal shows in the modal itself; if it cannot finish within
        Slack's deadline (Slack slow to say who is on the team), the modal closes and a refusal comes privately."""

        def work() -> str | None:
            try:
                run(_complaint_id(view), actor_of(body, services))
            except (SqueakyError, BadPayload) as exc:
                return str(exc)[:300]
            return None

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
            card = load(services, _complaint_id(view)).card
        except (SqueakyError, BadPayload):
            card = None
        tell(services, card, user_id, refusal)

    def on_acknowledge(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text, block = reply_text(view)
        submit(
            ack,
            body,
            view,
            block,
            lambda cid, who: actions.acknowledge(uow, clock, cid, who, text or "", length=services.post_length),
        )

    def on_ticket(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        def run(cid: int, who: Actor) -> object:
            return actions.move_to_ticket(
                uow,
                clock,
                cid,
                who,
                system=services.ticket_system,
                subject=value_of(view, "subject") or "",
                priority=value_of(view, "priority") or "normal",
                notes=value_of(view, "notes") or "",
                contact=value_of(view, "contact") or "",
            )

        submit(ack, body, view, "subject", run)

    def on_dismiss(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = value_of(view, "reason") or ""
        submit(ack, body, view, "reason", lambda cid, who: actions.dismiss(uow, clock, cid, who, reason))

    def on_merge(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        raw = (value_of(view, "into") or "").strip().lstrip("#")
        if not raw.isdigit():
            ack(response_action="errors", errors={"into": "Type the case number, like #42."})
            return
        submit(ack, body, view, "into", lambda cid, who: actions.merge(uow, clock, cid, who, int(raw)))

    def on_reassign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user_id = value_of(view, "agent")
        if not user_id:
            ack(response_action="errors", errors={"agent": "Pick the agent to hand this to."})
            return

        def run(cid: int, who: Actor) -> object:
            team = services.team
            new_owner = Actor(user_id, team.name_of(user_id), "slack", team.roles_of(user_id))
            if not new_owner.roles:
                raise InvalidRequest(f"@{new_owner.name} is not on the care team.")
            return actions.reassign(uow, clock, cid, who, new_owner)

        submit(ack, body, view, "agent", run)

    app.action(action_ids.REPLY_TEXT)(on_typing)
    app.action(action_ids.REPLY_TEMPLATE)(on_template)
    app.view(action_ids.ACK_VIEW)(on_acknowledge)
    app.view(action_ids.TICKET_VIEW)(on_ticket)
    app.view(action_ids.DISMISS_VIEW)(on_dismiss)
    app.view(action_ids.MERGE_VIEW)(on_merge)
    app.view(action_ids.REASSIGN_VIEW)(on_reassign)
