"""The incident reply as a Block Kit modal: one public reply to every eligible complaint of a storm or a spike, with
the counts, the longest rendering as its network counts it, the cost and the time to send, shown before sending."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import action_ids
from bot.slack.modals import template_select
from bot.slack.mrkdwn import sanitize
from handlers.queues.incident import IncidentForm


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150]}


def _context(block_id: str, mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "block_id": block_id, "elements": [{"type": "mrkdwn", "text": mrkdwn[:3000]}]}


def counts_line(form: IncidentForm) -> str:
    """The reach, the longest reply as the network counts it, the cost and the time to send, in one line."""
    longest = form.longest
    length = ""
    if longest is not None:
        over = f" · :warning: {longest.over} over the limit" if longest.over else ""
        length = (
            f"The longest reply is *{longest.length}/{longest.limit}* characters {sanitize(form.rule, 120)}{over}. "
        )
    return length + sanitize(form.summary(), 600)


def incident_modal(form: IncidentForm, *, text_version: int = 0) -> dict[str, Any]:
    """The modal, from the core's incident form."""
    blocks: list[dict[str, Any]] = [
        _context("about", f"One public reply to every complaint of {sanitize(form.title, 200)} that can get one."),
    ]
    if form.templates:
        blocks.append(template_select(action_ids.INCIDENT_TEMPLATE, form.templates))
    blocks += [
        {
            "type": "input",
            "block_id": f"text:{text_version}",
            "dispatch_action": True,
            "label": _plain("Public reply ({name}, {handle} and {case} are filled in for each)"),
            "element": {
                "type": "plain_text_input",
                "action_id": action_ids.INCIDENT_TEXT,
                "multiline": True,
                "max_length": 3000,
                "initial_value": form.text,
                "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
            },
        },
        _context("counts", counts_line(form)),
    ]
    if form.sample:
        blocks.append(_context("sample", f"The first customer reads: “{sanitize(form.sample, 600)}”"))
    blocks.append(
        {
            "type": "input",
            "block_id": "status",
            "optional": True,
            "label": _plain("Also post once from our account, to everyone (optional)"),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
        }
    )
    submit = f"Reply to {form.eligible:,}" if form.eligible else None
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": action_ids.INCIDENT_VIEW,
        "title": _plain("Acknowledge all"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"incident": form.key, "text_version": text_version}),
        "blocks": blocks,
    }
    if submit:
        view["submit"] = _plain(submit)
    return view


def incident_text(view: dict[str, Any]) -> tuple[str, str]:
    """The typed reply and its block id, from the modal's state."""
    for block_id, values in (view.get("state") or {}).get("values", {}).items():
        if block_id.startswith("text:"):
            return str((values.get(action_ids.INCIDENT_TEXT) or {}).get("value") or ""), block_id
    return "", "text:0"


def incident_of(view: dict[str, Any]) -> tuple[str, int]:
    """The incident the modal is about, and which version of its text box it shows."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    return str(data.get("incident") or ""), int(data.get("text_version") or 0)
