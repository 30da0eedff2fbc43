"""Block Kit modals for the core's forms (handlers.cases.forms): the public reply (with a live count the way its
network counts), ticket, dismiss, merge and reassign."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.slack import action_ids
from bot.slack.mrkdwn import sanitize
from handlers.cases.forms import (
    DismissForm,
    Form,
    MergeForm,
    PrivateReplyForm,
    ReassignForm,
    ReplyForm,
    Template,
    TicketForm,
)
from handlers.text.money import money


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150]}


def _meta(complaint_id: int, **extra: Any) -> str:
    return json.dumps({"complaint_id": complaint_id, **extra})


def _modal(
    callback_id: str, title: str, complaint_id: int, blocks: list[dict[str, Any]], *, submit: str | None, **meta: Any
) -> dict[str, Any]:
    """A modal about one complaint: its id travels in private_metadata; no submit button when `submit` is None."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title),
        "close": _plain("Cancel" if submit else "Close"),
        "private_metadata": _meta(complaint_id, **meta),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = _plain(submit)
    return view


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private metadata."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def count_line(form: ReplyForm) -> str:
    """The reply's length the way its network counts it, and what sending it costs."""
    measured = form.length
    over = f" · :warning: {measured.over} over the limit" if measured.over else ""
    kind = "a post with a link" if form.with_link else "one post"
    counted = f"*{measured.length}/{measured.limit}* characters {sanitize(form.rule, 120)}{over}"
    if not form.cost:
        return f"{counted} · *free*: {sanitize(form.network, 30)} does not charge for posts"
    return f"{counted} · costs *{money(form.cost)}* ({kind})"


def acknowledge_modal(form: ReplyForm, *, text_version: int = 0) -> dict[str, Any]:
    """The public reply modal, from the core's reply form."""
    quoted = sanitize(form.quoted, 300)
    title = f"Reply on {form.network}"[:24]
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Replying to @{sanitize(form.author_handle, 64)}: “{quoted}”"}],
        }
    ]
    if not form.allowed:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f":no_entry: {sanitize(form.not_allowed, 500)}"}}
        )
        return _modal(action_ids.ACK_VIEW, title, form.complaint_id, blocks, submit=None)
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": ":white_check_mark: A public reply is allowed here."}],
        }
    )
    blocks += suggestion_blocks(form)
    blocks += draft_blocks(form)
    if form.templates:
        blocks.append(template_select(action_ids.REPLY_TEMPLATE, form.templates))
    blocks.append(
        {
            "type": "input",
            "block_id": f"text:{text_version}",
            "dispatch_action": True,
            "label": _plain("Public reply"),
            "element": {
                "type": "plain_text_input",
                "action_id": action_ids.REPLY_TEXT,
                "multiline": True,
                "max_length": 3000,
                "initial_value": form.text,
                "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
            },
        }
    )
    blocks.append({"type": "context", "block_id": "count", "elements": [{"type": "mrkdwn", "text": count_line(form)}]})
    return _modal(action_ids.ACK_VIEW, title, form.complaint_id, blocks, submit="Send reply", text_version=text_version)


def suggestion_blocks(form: ReplyForm) -> list[dict[str, Any]]:
    """Replies the team gave to the nearest past complaints, as a menu (each shown whole beneath it); or why none."""
    if not form.suggestions:
        if not form.suggestions_note:
            return []
        note = f":bulb: {sanitize(form.suggestions_note, 200)}"
        return [{"type": "context", "block_id": "suggestions", "elements": [{"type": "mrkdwn", "text": note}]}]
    menu = template_select(
        action_ids.REPLY_SUGGESTION,
        form.suggestions,
        block_id="suggestion",
        label="Start from a suggested reply",
        placeholder="Replies the team gave to complaints like this",
    )
    lines = "\n".join(f"*{n}.* {sanitize(t.text, 600)}" for n, t in enumerate(form.suggestions, 1))
    whole = {"type": "context", "block_id": "suggestions", "elements": [{"type": "mrkdwn", "text": lines[:3000]}]}
    return [menu, whole]


def draft_blocks(form: ReplyForm) -> list[dict[str, Any]]:
    """The "Draft" button when a drafting model is set up, and what the last draft came to."""
    if not form.can_draft:
        return []
    button = {
        "type": "button",
        "action_id": action_ids.REPLY_DRAFT,
        "text": _plain("✏️ Draft a reply"),
        "value": str(form.complaint_id),
    }
    blocks: list[dict[str, Any]] = [{"type": "actions", "block_id": "draft", "elements": [button]}]
    if form.draft_note:
        note = {"type": "mrkdwn", "text": f":memo: {sanitize(form.draft_note, 300)}"}
        blocks.append({"type": "context", "block_id": "draft_note", "elements": [note]})
    return blocks


def template_select(
    action_id: str,
    templates: Sequence[Template],
    *,
    block_id: str = "template",
    label: str = "Start from a template",
    placeholder: str = "Replace the text with a template",
) -> dict[str, Any]:
    """A "Start from a template" menu whose choice redraws the modal with that template's text."""
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "dispatch_action": True,
        "label": _plain(label),
        "element": {
            "type": "static_select",
            "action_id": action_id,
            "placeholder": _plain(placeholder),
            "options": [{"text": _plain(t.name[:75]), "value": str(n)} for n, t in enumerate(templates)],
        },
    }


def reply_text(view: dict[str, Any]) -> tuple[str | None, str]:
    """The typed reply and its block id, from a modal's state."""
    for block_id, values in (view.get("state") or {}).get("values", {}).items():
        if block_id.startswith("text:"):
            value = (values.get(action_ids.REPLY_TEXT) or {}).get("value")
            return value, block_id
    return None, "text:0"


def ticket_modal(form: TicketForm) -> dict[str, Any]:
    """Move to a ticket: subject (prefilled), priority, notes, the customer's contact."""
    return _modal(
        action_ids.TICKET_VIEW,
        "Move to a ticket",
        form.complaint_id,
        submit="Create ticket",
        blocks=[
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"The ticket goes to *{sanitize(form.system, 40)}* with the whole conversation "
                        "and a link back to this card.",
                    }
                ],
            },
            _text_input("subject", "Subject", initial=form.subject[:150]),
            {
                "type": "input",
                "block_id": "priority",
                "label": _plain("Priority"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "initial_option": {"text": _plain(form.priority.capitalize()), "value": form.priority},
                    "options": [{"text": _plain(p.capitalize()), "value": p} for p in form.priorities],
                },
            },
            _text_input("notes", "Notes for whoever picks it up", multiline=True, optional=True),
            _text_input("contact", "The customer's contact", initial=form.contact, optional=True),
        ],
    )


def dismiss_modal(form: DismissForm) -> dict[str, Any]:
    """Dismiss, with the reason."""
    return _modal(
        action_ids.DISMISS_VIEW,
        "Dismiss",
        form.complaint_id,
        submit="Dismiss",
        blocks=[
            {
                "type": "input",
                "block_id": "reason",
                "label": _plain("Why"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [{"text": _plain(r.capitalize()), "value": r} for r in form.reasons],
                },
            }
        ],
    )


def merge_modal(form: MergeForm) -> dict[str, Any]:
    """Merge into another case, by its number."""
    return _modal(
        action_ids.MERGE_VIEW,
        "Merge into another case",
        form.complaint_id,
        submit="Merge",
        blocks=[_text_input("into", "The case to merge into (its #number)", placeholder="#42")],
    )


def reassign_modal(form: ReassignForm) -> dict[str, Any]:
    """Hand the claim to another agent."""
    return _modal(
        action_ids.REASSIGN_VIEW,
        "Reassign",
        form.complaint_id,
        submit="Reassign",
        blocks=[
            {
                "type": "input",
                "block_id": "agent",
                "label": _plain("Hand it to"),
                "element": {"type": "users_select", "action_id": "value", "placeholder": _plain("Pick an agent")},
            }
        ],
    )


def private_reply_modal(form: PrivateReplyForm) -> dict[str, Any]:
    """Reply privately: the answer goes to the customer alone, in the private conversation the case opened."""
    said = (
        f"Goes to *@{sanitize(form.author_handle, 60)}* alone, through {sanitize(form.network, 30)}'s "
        f"{sanitize(form.channel, 40)}, in the conversation this case opened. Up to {form.limit} characters."
    )
    return _modal(
        action_ids.PRIVATE_REPLY_VIEW,
        "Reply privately",
        form.complaint_id,
        submit="Send privately",
        blocks=[
            {"type": "context", "elements": [{"type": "mrkdwn", "text": said}]},
            _text_input("text", "Your answer", initial=form.text, multiline=True),
        ],
    )


def modal_for(form: Form) -> dict[str, Any]:
    """The modal that renders a form of the core's."""
    if isinstance(form, ReplyForm):
        return acknowledge_modal(form)
    if isinstance(form, TicketForm):
        return ticket_modal(form)
    if isinstance(form, DismissForm):
        return dismiss_modal(form)
    if isinstance(form, MergeForm):
        return merge_modal(form)
    if isinstance(form, PrivateReplyForm):
        return private_reply_modal(form)
    return reassign_modal(form)


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    placeholder: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    return {"type": "input", "block_id": block_id, "optional": optional, "label": _plain(label), "element": element}


def value_of(view: dict[str, Any], block_id: str) -> str | None:
    """A plain input's value, a select's chosen value, or a users_select's user, from a submitted modal."""
    element = ((view.get("state") or {}).get("values", {}).get(block_id) or {}).get("value") or {}
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    if "selected_user" in element:
        return element.get("selected_user")
    value = element.get("value")
    return str(value) if value is not None else None
