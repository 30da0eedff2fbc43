"""The incident reply as a Teams dialog: one public reply to every eligible complaint of a storm or a spike. "Check"
comes back counted (reach, longest reply, cost, time to send); "Send" hands it to the incident desk; a refusal comes
back beside the text, which is kept."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_teams.api.models.task_module import (
    TaskModuleResponse,
)
from microsoft_teams.cards import AdaptiveCard, Choice, ChoiceSetInput, RichTextBlock, SubmitAction, TextInput, TextRun

from bot.outages import OUTAGES, describe_outage
from bot.teams.cards import INCIDENT_DIALOG, adaptive
from bot.teams.clicks import BUSY
from bot.teams.senders import BadActivity, actor_of, sender_of
from bot.teams.task_answers import said, shown
from bot.teams.text import clip
from bot.wiring import Services
from handlers.cases.errors import SqueakyError
from handlers.queues.incident import IncidentForm

log = logging.getLogger(__name__)
SEND, CHECK, TEMPLATE = "send", "check", "template"


def _submit(title: str, key: str, step: str) -> SubmitAction:
    return SubmitAction(title=title, data={"dialog_id": INCIDENT_DIALOG, "incident": key, "step": step})


def incident_card(form: IncidentForm, error: str | None = None) -> AdaptiveCard:
    """The dialog's card: what it reaches, the text, its templates, its counts and a sample as one customer reads it."""
    body: list[Any] = []
    if error:
        body.append(RichTextBlock(inlines=[TextRun(text=clip(error, 500), color="Attention", weight="Bolder")]))
    body.append(
        RichTextBlock(inlines=[TextRun(text=f"One public reply to every complaint of {clip(form.title, 200)}.")])
    )
    actions = [_submit(f"Reply to {form.eligible:,}", form.key, SEND), _submit("Check", form.key, CHECK)]
    if not form.eligible:
        actions = actions[1:]
    if form.templates:
        choices = [Choice(title=clip(t.name, 80), value=str(n)) for n, t in enumerate(form.templates)]
        body.append(ChoiceSetInput(id="template", label="Start from a template", choices=choices, style="compact"))
        actions.append(_submit("Use template", form.key, TEMPLATE))
    label = "Public reply ({name}, {handle} and {case} are filled in for each)"
    body.append(TextInput(id="text", label=label, value=form.text, is_multiline=True, max_length=2000))
    counts = [TextRun(text=form.summary())]
    if form.longest is not None:
        color = "Attention" if form.over else None
        said = f"The longest reply is {form.longest.length}/{form.longest.limit} characters {clip(form.rule, 120)}. "
        counts.insert(0, TextRun(text=said, weight="Bolder", color=color))
    body.append(RichTextBlock(inlines=counts, spacing="Small"))
    if form.sample:
        body.append(RichTextBlock(inlines=[TextRun(text="The first customer reads: ", weight="Bolder"),
                                           TextRun(text=clip(form.sample, 600))]))  # fmt: skip
    body.append(TextInput(id="status", label="Also post once from our account, to everyone (optional)",
                          is_multiline=True, max_length=2000))  # fmt: skip
    return adaptive(body, actions)


def _shown(card: AdaptiveCard) -> TaskModuleResponse:
    return shown("Acknowledge all", card)


def open_incident(services: Services, account: Any, data: Any) -> TaskModuleResponse:
    """The incident reply's dialog, for a lead."""
    try:
        key = str((data or {}).get("incident") or "")
        return _shown(incident_card(services.incident_desk.form(actor_of(sender_of(account), services), key)))
    except (BadActivity, SqueakyError) as exc:
        return said(f"Sorry: {exc}")
    except OUTAGES as exc:
        log.warning("the incident dialog could not be opened: %s", describe_outage(exc))
        return said(BUSY)


def submit_incident(services: Services, account: Any, data: Any) -> TaskModuleResponse:
    """Check, take a template, or send the incident reply."""
    desk = services.incident_desk
    key = str((data or {}).get("incident") or "")
    text, step = str(data.get("text") or "")[:5000], str(data.get("step") or SEND)
    try:
        who = actor_of(sender_of(account), services)
        if step == TEMPLATE:
            chosen = str(data.get("template") or "")
            choices = desk.choices()
            text = choices[int(chosen)].text if chosen.isdigit() and int(chosen) < len(choices) else text
        if step in (CHECK, TEMPLATE):
            return _shown(incident_card(desk.form(who, key, text)))
        form = desk.send(who, key, text, str(data.get("status") or "")[:5000])
        return said(f"Your reply to {form.title} is going out. {form.summary()}")
    except BadActivity as exc:
        return said(f"Sorry: {exc}")
    except SqueakyError as exc:
        try:
            return _shown(incident_card(desk.form(actor_of(sender_of(account), services), key, text), str(exc)))
        except SqueakyError:
            return said(f"Sorry: {exc}")
    except OUTAGES as exc:
        log.warning("the incident reply could not be taken: %s", describe_outage(exc))
        return said(BUSY)
