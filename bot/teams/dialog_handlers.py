"""Forms on Teams cards, as dialogs: a button asks for one (`task/fetch`) and gets the core's form rendered; the
dialog's submit (`task/submit`) runs the action, or comes back with the refusal beside what was typed."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from microsoft_teams.api.models.task_module import (
    TaskModuleResponse,
)
from microsoft_teams.cards import AdaptiveCard

from bot.outages import OUTAGES, describe_outage
from bot.teams.cards import INCIDENT_DIALOG
from bot.teams.clicks import BUSY
from bot.teams.dialogs import CHECK, DRAFT, SUGGESTION, TEMPLATE, TITLES, dialog_for, reply_dialog
from bot.teams.face import teams_of
from bot.teams.incident_dialog import open_incident, submit_incident
from bot.teams.refs import SURFACE
from bot.teams.senders import BadActivity, actor_of, complaint_id_of, sender_of
from bot.teams.task_answers import said
from bot.teams.task_answers import shown as shown_as
from bot.wiring import Services
from handlers.cases.agent_desk import WITH_FORM, ActionRequest
from handlers.cases.errors import SqueakyError
from handlers.cases.forms import Form, PrivateReplyForm, TicketForm
from handlers.domain.complaint import Action, Actor
from handlers.domain.people import Identity

log = logging.getLogger(__name__)
DONE = {
    Action.ACKNOWLEDGE: "Your reply is on its way.",
    Action.TICKET: "The ticket is being created: the card shows its number when it is.",
    Action.DISMISS: "Dismissed.",
    Action.MERGE: "Merged.",
    Action.REASSIGN: "Reassigned.",
    Action.PRIVATE_REPLY: "Your private answer is on its way.",
}


def shown(action: Action, card: AdaptiveCard) -> TaskModuleResponse:
    """The dialog of `action` showing `card`."""
    return shown_as(TITLES[action], card)


def _action_of(data: Any) -> Action:
    value = data.get("dialog_id") if isinstance(data, dict) else None
    try:
        action = Action(str(value))
    except ValueError:
        raise BadActivity("this form is not one Squeaky knows; the card may be from an older version") from None
    if action not in WITH_FORM:
        raise BadActivity(f"{action.value} has no form")
    return action


def open_dialog(services: Services, account: Any, data: Any) -> TaskModuleResponse:
    """The form a card's button asks for, or why not."""
    if isinstance(data, dict) and data.get("dialog_id") == INCIDENT_DIALOG:
        return open_incident(services, account, data)
    try:
        sender = sender_of(account)
        action, complaint_id = _action_of(data), complaint_id_of(data)
        form = services.agent_desk.form(actor_of(sender, services), complaint_id, action)
        return shown(action, dialog_for(form))
    except (BadActivity, SqueakyError) as exc:
        return said(f"Sorry: {exc}")
    except OUTAGES as exc:
        log.warning("a Teams dialog could not be opened: %s", describe_outage(exc))
        return said(BUSY)


def submit_dialog(services: Services, account: Any, data: Any) -> TaskModuleResponse:
    """Run a dialog's action, or show it again: counted afresh, with a template's text, or with the refusal."""
    if isinstance(data, dict) and data.get("dialog_id") == INCIDENT_DIALOG:
        return submit_incident(services, account, data)
    try:
        sender = sender_of(account)
        action, complaint_id = _action_of(data), complaint_id_of(data)
        who = actor_of(sender, services)
        values = {k: str(v)[:5000] for k, v in data.items() if isinstance(v, str | int) and k != "msteams"}
        desk = services.agent_desk
        if action is Action.ACKNOWLEDGE and values.get("step") in (CHECK, TEMPLATE, SUGGESTION, DRAFT):
            complaint = desk.load(complaint_id)
            text, note = values.get("text", ""), ""
            if values.get("step") == DRAFT:  # the model's draft in the box, or why not beside what was typed
                draft = desk.draft(complaint)
                text, note = draft.text or text, draft.note
            if values.get("step") == TEMPLATE:
                chosen = {t.name: t.text for t in desk.template_choices(complaint)}
                text = chosen.get(values.get("template", ""), text)
            if values.get("step") == SUGGESTION:
                suggested = {str(n): t.text for n, t in enumerate(desk.suggestion_choices(complaint))}
                text = suggested.get(values.get("suggestion", ""), text)
            return shown(action, reply_dialog(desk.reply_form(complaint, text, note)))
        to = _picked(services, values.get("to", "")) if action is Action.REASSIGN else None
        outcome = desk.act(ActionRequest(who, complaint_id, action, values, to=to))
        if outcome.done:
            return said(outcome.notice or DONE[action])
        return shown(action, dialog_for(_again(services, who, complaint_id, action, values), outcome.refusal))
    except (BadActivity, SqueakyError) as exc:
        return said(f"Sorry: {exc}")
    except OUTAGES as exc:
        log.warning("a Teams dialog could not be submitted: %s", describe_outage(exc))
        return said(BUSY)


def _again(services: Services, who: Actor, complaint_id: int, action: Action, values: dict[str, str]) -> Form:
    """The form as it was submitted, to show again with its refusal."""
    desk = services.agent_desk
    if action is Action.ACKNOWLEDGE:
        return desk.reply_form(desk.load(complaint_id), values.get("text", ""))
    form = desk.form(who, complaint_id, action)
    if isinstance(form, PrivateReplyForm):
        return replace(form, text=values.get("text", ""))
    if isinstance(form, TicketForm):
        priority = values.get("priority") if values.get("priority") in form.priorities else form.priority
        return TicketForm(
            form.complaint_id,
            form.system,
            values.get("subject") or form.subject,
            values.get("contact") or form.contact,
            priority=priority or form.priority,
        )
    return form


def _picked(services: Services, picked: str) -> Actor | None:
    """The agent picked in the people picker, as a person with their roles; None when nobody was picked."""
    if not picked:
        return None
    directory = teams_of(services).directory
    user_id = directory.user_of(picked.strip())
    if user_id is None:
        raise BadActivity("Squeaky does not know that person in Teams yet: they need to be in the care team")
    identity = Identity(SURFACE, user_id, directory.name_of(user_id))
    return services.who.actor(identity, directory.roles_of(user_id))
