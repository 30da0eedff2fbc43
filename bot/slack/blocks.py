"""Render a CardView as Slack Block Kit (the only place that knows Block Kit)."""

from __future__ import annotations

import re
from typing import Any

from bot.slack import action_ids
from bot.slack.mrkdwn import sanitize
from handlers.card import CardView, FollowUpLine
from handlers.model import Action, Status

_SAFE_URL = re.compile(r"https://[\w.\-/?=&%]+\Z")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,20}\Z")  # a Slack user group id, mentioned as <!subteam^S…>

_BUTTON_TEXT = {Action.CLAIM: "Claim", Action.RELEASE: "Release"}
_BUTTON_STYLE = {Action.CLAIM: "primary"}

_STATE_TEXT = {
    Status.NEW: ":large_yellow_circle: *New* — waiting for an agent",
    Status.ACKNOWLEDGED: ":speech_balloon: *Acknowledged* publicly",
    Status.TICKETED: ":ticket: *Moved to a ticket*",
    Status.CLOSED: ":white_check_mark: *Closed*",
    Status.DISMISSED: ":no_entry_sign: *Dismissed*",
    Status.MERGED: ":link: *Merged* into another case",
}


def _owner_mention(card: CardView) -> str:
    if card.owner is None:
        return "nobody"
    if card.owner.surface == "slack":
        return f"<@{card.owner.id}>"  # a Slack user id we received from Slack, not outside text
    return sanitize(card.owner.name, 80)


def state_line(card: CardView) -> str:
    """The one line that says where the complaint stands."""
    if card.status is Status.CLAIMED:
        return f":raising_hand: *Claimed by {_owner_mention(card)}* {card.owner_since or ''}".rstrip()
    return _STATE_TEXT[card.status]


def triage_line(card: CardView) -> str:
    """Topic and who handles it, priority and why, the noise rule that marked it, and its follow-ups."""
    parts = [f"*{sanitize(card.topic, 40)}*"]
    if card.skill_group and _GROUP_ID.match(card.skill_group):
        parts[0] += f" <!subteam^{card.skill_group}>"
    why = " · ".join(sanitize(reason, 80) for reason in card.priority_reasons)
    parts.append(f"priority {card.priority}" + (f" ({why})" if why else ""))
    if card.noise_rule:
        parts.append(f":warning: marked: {sanitize(card.noise_rule, 40)}")
    if not card.public_reply_allowed:
        parts.append(":no_mobile_phones: no public reply: it does not mention us")
    if card.followup_count:
        plural = "s" if card.followup_count > 1 else ""
        parts.append(f":speech_balloon: {card.followup_count} follow-up{plural} in thread")
    return " · ".join(parts)


def followup_text(followup: FollowUpLine) -> str:
    """A customer's follow-up as a thread reply: who, why it joined this case, and what they said."""
    link = f" · <{followup.url}|view on X>" if followup.url and _SAFE_URL.match(followup.url) else ""
    who, why = sanitize(followup.author_handle, 64), sanitize(followup.reason, 60)
    head = f":leftwards_arrow_with_hook: *@{who}* ({why}){link}"
    return f"{head}\n{sanitize(followup.text)}"


def fallback_text(card: CardView) -> str:
    """The notification text (shown where blocks cannot be)."""
    return f"Complaint #{card.complaint_id} from @{sanitize(card.author_handle, 64)}: {sanitize(card.text, 150)}"


def card_blocks(card: CardView) -> list[dict[str, Any]]:
    """The card's blocks: who, what, when, its state and the buttons that apply now."""
    who = f"*{sanitize(card.author_name, 80)}* @{sanitize(card.author_handle, 64)}"
    if card.tier != "standard":
        who += f"  `{sanitize(card.tier, 20).upper()}`"
    when = f"<!date^{int(card.created_at.timestamp())}^{{date_short_pretty}} at {{time}}|{card.posted_ago}>"
    link = f" · <{card.url}|view on X>" if card.url and _SAFE_URL.match(card.url) else ""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": who}},
        {"type": "section", "text": {"type": "mrkdwn", "text": sanitize(card.text)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"#{card.complaint_id} · {when}{link}"}],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": triage_line(card)}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": state_line(card)}},
    ]
    if card.actions:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"complaint:{card.complaint_id}",
                "elements": [_button(card, action) for action in card.actions],
            }
        )
    return blocks


def _button(card: CardView, action: Action) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_ids.BY_ACTION[action],
        "text": {"type": "plain_text", "text": _BUTTON_TEXT[action]},
        "value": str(card.complaint_id),
    }
    if action in _BUTTON_STYLE:
        button["style"] = _BUTTON_STYLE[action]
    return button
