"""Block Kit modals for the card's actions: the public reply (with a live count the X way), ticket, dismiss,
merge and reassign."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.slack import action_ids
from bot.slack.mrkdwn import sanitize
from handlers.cases.model import Complaint
from handlers.cases.reply_templates import ReplyTemplate
from handlers.ports.gateways import LengthRule


@dataclass(frozen=True)
class Pricing:
    """What a post costs on X, from the settings, and how X counts its length."""

    per_post: float
    per_post_with_url: float
    length: LengthRule


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


def count_line(text: str, pricing: Pricing) -> str:
    """The reply's length the way X counts it, and what sending it costs."""
    measured = pricing.length.measure(text)
    cost = pricing.per_post_with_url if measured.links else pricing.per_post
    over = f" · :warning: {measured.over} over the limit" if measured.over else ""
    kind = "a post with a link" if measured.links else "one post"
    counted = f"*{measured.length}/{measured.limit}* characters {pricing.length.rule}{over}"
    return f"{counted} · costs *${cost:.3f}* ({kind})"


def acknowledge_modal(
    complaint: Complaint,
    templates: list[tuple[ReplyTemplate, str]],
    text: str,
    pricing: Pricing,
    *,
    allowed: bool,
    text_version: int = 0,
) -> dict[str, Any]:
    """The public reply modal; `templates` pairs each template with its text filled in for this complaint."""
    quoted = sanitize(complaint.text, 300)
    blocks: list[dict[str, Any]] = [
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Replying to @{sanitize(complaint.author_handle, 64)}: “{quoted}”"}
            ],
        }
    ]
    if not allowed:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": ":no_entry: *A public reply is not possible here.* X lets us reply only to posts that "
                    "mention or quote our account, and this one does not. Move it to a ticket and reach the "
                    "customer offline instead.",
                },
            }
        )
        return _modal(action_ids.ACK_VIEW, "Reply on X", complaint.id, blocks, submit=None)
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": ":white_check_mark: A public reply is allowed: the post mentions our account.",
                }
            ],
        }
    )
    if templates:
        blocks.append(
            {
                "type": "input",
                "block_id": "template",
                "optional": True,
                "dispatch_action": True,
                "label": _plain("Start from a template"),
                "element": {
                    "type": "static_select",
                    "action_id": action_ids.REPLY_TEMPLATE,
                    "placeholder": _plain("Pick a template"),
                    "options": [{"text": _plain(t.name), "value": str(n)} for n, (t, _text) in enumerate(templates)],
                },
            }
        )
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
                "initial_value": text,
                "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
            },
        }
    )
    blocks.append(
        {"type": "context", "block_id": "count", "elements": [{"type": "mrkdwn", "text": count_line(text, pricing)}]}
    )
    return _modal(
        action_ids.ACK_VIEW, "Reply on X", complaint.id, blocks, submit="Send reply", text_version=text_version
    )


def reply_text(view: dict[str, Any]) -> tuple[str | None, str]:
    """The typed reply and its block id, from a modal's state."""
    for block_id, values in (view.get("state") or {}).get("values", {}).items():
        if block_id.startswith("text:"):
            value = (values.get(action_ids.REPLY_TEXT) or {}).get("value")
            return value, block_id
    return None, "text:0"


def ticket_modal(complaint: Complaint, system: str) -> dict[str, Any]:
    """Move to a ticket: subject (prefilled), priority, notes, the customer's contact."""
    subject = f"{complaint.topic.capitalize()}: complaint #{complaint.id} from @{complaint.author_handle}"
    return _modal(
        action_ids.TICKET_VIEW,
        "Move to a ticket",
        complaint.id,
        submit="Create ticket",
        blocks=[
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"The ticket goes to *{sanitize(system, 40)}* with the whole conversation "
                        "and a link back to this card.",
                    }
                ],
            },
            _text_input("subject", "Subject", initial=subject[:150]),
            {
                "type": "input",
                "block_id": "priority",
                "label": _plain("Priority"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "initial_option": {"text": _plain("Normal"), "value": "normal"},
                    "options": [
                        {"text": _plain(p.capitalize()), "value": p} for p in ("low", "normal", "high", "urgent")
                    ],
                },
            },
            _text_input("notes", "Notes for whoever picks it up", multiline=True, optional=True),
            _text_input(
                "contact",
                "The customer's contact",
                initial=f"@{complaint.author_handle} on {complaint.source}",
                optional=True,
            ),
        ],
    )


def dismiss_modal(complaint: Complaint) -> dict[str, Any]:
    """Dismiss, with the reason."""
    reasons = ("spam", "not for us", "duplicate", "resolved elsewhere")
    return _modal(
        action_ids.DISMISS_VIEW,
        "Dismiss",
        complaint.id,
        submit="Dismiss",
        blocks=[
            {
                "type": "input",
                "block_id": "reason",
                "label": _plain("Why"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [{"text": _plain(r.capitalize()), "value": r} for r in reasons],
                },
            }
        ],
    )


def merge_modal(complaint: Complaint) -> dict[str, Any]:
    """Merge into another case, by its number."""
    return _modal(
        action_ids.MERGE_VIEW,
        "Merge into another case",
        complaint.id,
        submit="Merge",
        blocks=[_text_input("into", "The case to merge into (its #number)", placeholder="#42")],
    )


def reassign_modal(complaint: Complaint) -> dict[str, Any]:
    """Hand the claim to another agent."""
    return _modal(
        action_ids.REASSIGN_VIEW,
        "Reassign",
        complaint.id,
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
