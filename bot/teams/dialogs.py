"""Adaptive Card dialogs for the core's forms (handlers.cases.forms): the public reply (its count the way its network
counts, its cost, whether a reply is allowed), ticket, dismiss, merge and reassign.

Dialogs have no per-keystroke redraw: "Check" submits the text and the dialog comes back
counted; "Send" carries out the action, and a refusal (too long, say) comes back in the
dialog beside the text, which is kept.
"""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import (
    AdaptiveCard,
    Choice,
    ChoiceSetInput,
    QueryData,
    RichTextBlock,
    SubmitAction,
    TextInput,
    TextRun,
)

from bot.teams.cards import adaptive
from bot.teams.text import clip
from handlers.cases.forms import DismissForm, Form, MergeForm, PrivateReplyForm, ReassignForm, ReplyForm, TicketForm
from handlers.domain.complaint import Action
from handlers.text.money import money

SEND, CHECK, TEMPLATE, SUGGESTION, DRAFT = "send", "check", "template", "suggestion", "draft"  # what a submit asks
PEOPLE_DATASET = "graph.microsoft.com/users"  # Teams' people picker


def count_runs(form: ReplyForm) -> list[TextRun]:
    """The reply's length the way its network counts it, and what sending it costs."""
    measured = form.length
    kind = "with a link" if form.with_link else "no link"
    out = [
        TextRun(text=f"{measured.length}/{measured.limit}", weight="Bolder"),
        TextRun(text=f" characters {clip(form.rule, 120)}"),
    ]
    if measured.over:
        out.append(TextRun(text=f" · ⚠ {measured.over} over the limit", color="Attention", weight="Bolder"))
    if not form.cost:
        out.append(TextRun(text=f" · free: {clip(form.network, 30)} does not charge for posts"))
    else:
        out.append(TextRun(text=f" · costs {money(form.cost)} ({kind})"))
    return out


def _submit(title: str, form_of: Action, complaint_id: int, step: str, **more: Any) -> SubmitAction:
    data = {"dialog_id": form_of.value, "complaint_id": complaint_id, "step": step, **more}
    return SubmitAction(title=title, data=data)


def _error(error: str | None) -> list[Any]:
    if not error:
        return []
    return [RichTextBlock(inlines=[TextRun(text=clip(error, 500), color="Attention", weight="Bolder")])]


def reply_dialog(form: ReplyForm, error: str | None = None) -> AdaptiveCard:
    """The public reply: what the customer said, the text (a template to start from), its count and its cost."""
    quoted = [TextRun(text=f"@{clip(form.author_handle, 64)}: ", weight="Bolder"), TextRun(text=clip(form.quoted, 600))]
    body: list[Any] = [*_error(error), RichTextBlock(inlines=quoted)]
    if not form.allowed:
        body.append(RichTextBlock(inlines=[TextRun(text=clip(form.not_allowed, 300), color="Attention")]))
        return adaptive(body)
    actions = [
        _submit(f"Send on {clip(form.network, 30)}", Action.ACKNOWLEDGE, form.complaint_id, SEND),
        _submit("Check length", Action.ACKNOWLEDGE, form.complaint_id, CHECK),
    ]
    body += suggestion_parts(form)
    if form.suggestions:
        actions.append(_submit("Use suggestion", Action.ACKNOWLEDGE, form.complaint_id, SUGGESTION))
    if form.can_draft:
        actions.append(_submit("Draft a reply", Action.ACKNOWLEDGE, form.complaint_id, DRAFT))
        if form.draft_note:
            body.append(RichTextBlock(inlines=[TextRun(text=f"📝 {clip(form.draft_note, 300)}", italic=True)]))
    if form.templates:
        choices = [Choice(title=clip(t.name, 80), value=t.name) for t in form.templates]
        body.append(ChoiceSetInput(id="template", label="Start from a template", choices=choices, style="compact"))
        actions.append(_submit("Use template", Action.ACKNOWLEDGE, form.complaint_id, TEMPLATE))
    body += [
        TextInput(id="text", label="Reply", value=form.text, is_multiline=True, max_length=2000),
        RichTextBlock(inlines=count_runs(form), spacing="Small"),
    ]
    return adaptive(body, actions)


def suggestion_parts(form: ReplyForm) -> list[Any]:
    """Replies the team gave to the nearest past complaints, to pick from (each shown whole); or why none."""
    if not form.suggestions:
        if not form.suggestions_note:
            return []
        return [RichTextBlock(inlines=[TextRun(text=f"💡 {clip(form.suggestions_note, 200)}", italic=True)])]
    choices = [Choice(title=clip(t.name, 80), value=str(n)) for n, t in enumerate(form.suggestions)]
    whole = [TextRun(text=f"{n}. {clip(t.text, 600)}\n") for n, t in enumerate(form.suggestions, 1)]
    return [
        ChoiceSetInput(id="suggestion", label="Start from a suggested reply", choices=choices, style="compact"),
        RichTextBlock(inlines=whole, spacing="Small"),
    ]


def ticket_dialog(form: TicketForm, error: str | None = None) -> AdaptiveCard:
    """Move to a ticket: subject, priority, notes and the customer's contact."""
    priorities = [Choice(title=p.capitalize(), value=p) for p in form.priorities]
    body: list[Any] = [
        *_error(error),
        RichTextBlock(inlines=[TextRun(text=f"A ticket in {clip(form.system, 40)}")]),
        TextInput(id="subject", label="Subject", value=form.subject, max_length=150, is_required=True),
        ChoiceSetInput(id="priority", label="Priority", choices=priorities, value=form.priority, style="compact"),
        TextInput(id="notes", label="Notes for the ticket", is_multiline=True, max_length=2000),
        TextInput(id="contact", label="Customer contact", value=form.contact, max_length=200),
    ]
    return adaptive(body, [_submit("Create ticket", Action.TICKET, form.complaint_id, SEND)])


def dismiss_dialog(form: DismissForm, error: str | None = None) -> AdaptiveCard:
    """Dismiss, with a reason."""
    reasons = [Choice(title=r.capitalize(), value=r) for r in form.reasons]
    body: list[Any] = [*_error(error), ChoiceSetInput(id="reason", label="Why", choices=reasons, value=form.reasons[0])]
    return adaptive(body, [_submit("Dismiss", Action.DISMISS, form.complaint_id, SEND)])


def merge_dialog(form: MergeForm, error: str | None = None) -> AdaptiveCard:
    """Merge into another case."""
    body: list[Any] = [*_error(error), TextInput(id="into", label="Merge into case", placeholder="#42", max_length=12)]
    return adaptive(body, [_submit("Merge", Action.MERGE, form.complaint_id, SEND)])


def reassign_dialog(form: ReassignForm, error: str | None = None) -> AdaptiveCard:
    """Hand the claim to another agent, picked with Teams' people picker."""
    holder = f"Held by {clip(form.owner, 80)} now." if form.owner else "Nobody holds it now."
    picker = ChoiceSetInput(
        id="to", label="Hand it to", choices=[], choices_data=QueryData(dataset=PEOPLE_DATASET), is_required=True
    )
    body: list[Any] = [*_error(error), RichTextBlock(inlines=[TextRun(text=holder)]), picker]
    return adaptive(body, [_submit("Reassign", Action.REASSIGN, form.complaint_id, SEND)])


def private_reply_dialog(form: PrivateReplyForm, error: str | None = None) -> AdaptiveCard:
    """Reply privately: an answer to the customer alone, in the private conversation the case opened."""
    said = (
        f"Goes to @{clip(form.author_handle, 60)} alone, through {clip(form.network, 30)}'s "
        f"{clip(form.channel, 40)}, in the conversation this case opened. Up to {form.limit} characters."
    )
    body: list[Any] = [
        *_error(error),
        RichTextBlock(inlines=[TextRun(text=said)]),
        TextInput(id="text", label="Your answer", value=form.text, is_multiline=True, max_length=form.limit),
    ]
    return adaptive(body, [_submit("Send privately", Action.PRIVATE_REPLY, form.complaint_id, SEND)])


TITLES = {
    Action.PRIVATE_REPLY: "Reply privately",
    Action.ACKNOWLEDGE: "Acknowledge publicly",
    Action.TICKET: "Move to a ticket",
    Action.DISMISS: "Dismiss",
    Action.MERGE: "Merge",
    Action.REASSIGN: "Reassign",
}


def dialog_for(form: Form, error: str | None = None) -> AdaptiveCard:
    """The dialog of a form."""
    if isinstance(form, ReplyForm):
        return reply_dialog(form, error)
    if isinstance(form, TicketForm):
        return ticket_dialog(form, error)
    if isinstance(form, DismissForm):
        return dismiss_dialog(form, error)
    if isinstance(form, MergeForm):
        return merge_dialog(form, error)
    if isinstance(form, PrivateReplyForm):
        return private_reply_dialog(form, error)
    return reassign_dialog(form, error)
