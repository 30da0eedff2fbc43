"""Render a CardView as Slack Block Kit (the only place that knows Block Kit)."""

from __future__ import annotations

import re
from typing import Any

from bot.slack import action_ids
from bot.slack.mrkdwn import sanitize
from bot.slack.refs import SURFACE
from handlers.domain.activity import ActivityLine
from handlers.domain.card import CardView, FollowUpLine
from handlers.domain.complaint import Action, Delivery, PublicReply, Status, Ticket

_SAFE_URL = re.compile(r"https://[\w.\-/?=&%@:]+\Z")  # "@": Mastodon profiles and posts; ":": Bluesky DIDs
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,20}\Z")  # a Slack user group id, mentioned as <!subteam^S…>

_BUTTON_TEXT = {
    Action.CLAIM: "Claim",
    Action.RELEASE: "Release",
    Action.ACKNOWLEDGE: "Acknowledge publicly",
    Action.TICKET: "Move to ticket",
    Action.PRIVATE: "Move to DMs",
    Action.PRIVATE_REPLY: "Reply privately",
    Action.CLOSE: "Close",
}
_BUTTON_STYLE = {Action.CLAIM: "primary", Action.ACKNOWLEDGE: "primary"}
_MORE_TEXT = {
    Action.REASSIGN: "Reassign…",
    Action.DISMISS: "Dismiss…",
    Action.MERGE: "Merge into…",
    Action.ESCALATE: "Escalate to on-call",
}

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
    user_id = card.owner.handles.get(SURFACE)
    if user_id:
        return f"<@{user_id}>"  # a Slack user id we received from Slack, not outside text
    return sanitize(card.owner.name, 80)


def state_line(card: CardView) -> str:
    """The lines that say where the complaint stands: owner, public reply, ticket, dismissal or merge."""
    lines = []
    if card.status is Status.DISMISSED:
        lines.append(f"{_STATE_TEXT[Status.DISMISSED]}: {sanitize(card.dismiss_reason or '', 80)}")
    elif card.status is Status.MERGED:
        lines.append(f"{_STATE_TEXT[Status.MERGED]} #{card.merged_into}")
    elif card.owner is not None and card.status is Status.CLOSED:
        lines.append(f"{_STATE_TEXT[Status.CLOSED]} · handled by {_owner_mention(card)}")
    elif card.owner is not None:
        lines.append(f":raising_hand: *Claimed by {_owner_mention(card)}* {card.owner_since or ''}".rstrip())
    else:
        lines.append(_STATE_TEXT[card.status] if card.status is not Status.CLAIMED else "")
    if card.reply is not None:
        lines.append(_reply_line(card.reply, card.network))
    if card.ticket is not None:
        lines.append(_ticket_line(card.ticket))
    if card.private is not None:
        lines.append(_private_line(card))
    if card.status is Status.CLOSED and card.owner is None:
        lines.append(_STATE_TEXT[Status.CLOSED])
    return "\n".join(line for line in lines if line)


def _reply_line(reply: PublicReply, network: str) -> str:
    if reply.status is Delivery.SENT:
        link = f" · <{reply.url}|see it there>" if reply.url and _SAFE_URL.match(reply.url) else ""
        return f":speech_balloon: *Replied publicly*{link}"
    if reply.status is Delivery.FAILED:
        return f":x: *Public reply refused*: {sanitize(reply.error or 'unknown error', 300)}"
    pending = f" (retrying: {sanitize(reply.error, 200)})" if reply.error else ""
    return f":hourglass_flowing_sand: *Public reply on its way to {sanitize(network, 20)}*{pending}"


def _private_line(card: CardView) -> str:
    """Where the private hand-off stands; a refusal in the network's words, and the public reply still offered."""
    private, network = card.private, sanitize(card.network, 20)
    assert private is not None
    if private.status is Delivery.SENT:
        return f":lock: *Moved to DMs* on {network}: the customer's answers come to this thread"
    if private.status is Delivery.FAILED:
        instead = " Reply publicly instead." if card.public_reply_allowed and card.reply is None else ""
        refusal = sanitize((private.error or "unknown error").rstrip("."), 300)
        return f":x: *{network} refused the private message*: {refusal}.{instead}"
    pending = f" ({sanitize(private.error, 200)})" if private.error else ""
    return f":hourglass_flowing_sand: *Private message on its way to {network}*{pending}"


def _ticket_line(ticket: Ticket) -> str:
    system = sanitize(ticket.system, 40)
    if ticket.status is Delivery.SENT:
        number = sanitize(ticket.number or "", 60)
        link = f"<{ticket.url}|{number}>" if ticket.url and _SAFE_URL.match(ticket.url) else number
        return f":ticket: *Ticket {link}* in {system}"
    if ticket.status is Delivery.FAILED:
        return f":x: *Ticket not created* in {system}: {sanitize(ticket.error or 'unknown error', 300)}"
    why = f": {sanitize(ticket.error, 200)}" if ticket.error else ""
    return f":hourglass_flowing_sand: *Ticket pending* in {system}{why}"


def triage_line(card: CardView) -> str:
    """Topic and who handles it, priority and why, the noise rule that marked it, and its follow-ups."""
    parts = [f"*{sanitize(card.topic, 40)}*"]
    if card.skill_group and _GROUP_ID.match(card.skill_group):
        parts[0] += f" <!subteam^{card.skill_group}>"
    parts.append("_learned_" if card.topic_by == "learned" else "_rule_")  # which decided the topic
    why = " · ".join(sanitize(reason, 80) for reason in card.priority_reasons)
    parts.append(f"priority {card.priority}" + (f" ({why})" if why else ""))
    parts.append(f":inbox_tray: {sanitize(card.queue, 32)}")
    if card.noise_rule:
        parts.append(f":warning: marked: {sanitize(card.noise_rule, 40)}")
    if not card.public_reply_allowed:
        parts.append(f":no_mobile_phones: no public reply: {sanitize(card.no_reply_because, 80)}")
    if card.followup_count:
        plural = "s" if card.followup_count > 1 else ""
        parts.append(f":speech_balloon: {card.followup_count} follow-up{plural} in thread")
    return " · ".join(parts)


def followup_text(followup: FollowUpLine) -> str:
    """A customer's follow-up as a thread reply: who, why it joined this case, and what they said."""
    link = f" · <{followup.url}|view the post>" if followup.url and _SAFE_URL.match(followup.url) else ""
    who, why = sanitize(followup.author_handle, 64), sanitize(followup.reason, 60)
    head = f":leftwards_arrow_with_hook: *@{who}* ({why}){link}"
    return f"{head}\n{sanitize(followup.text)}"


def fallback_text(card: CardView) -> str:
    """The notification text (shown where blocks cannot be)."""
    return f"Complaint #{card.complaint_id} from @{sanitize(card.author_handle, 64)}: {sanitize(card.text, 150)}"


def card_blocks(card: CardView) -> list[dict[str, Any]]:
    """The card's blocks: who, what, when, its state and the buttons that apply now."""
    handle = f"@{sanitize(card.author_handle, 64)}"
    if card.profile_url and _SAFE_URL.match(card.profile_url):
        handle = f"<{card.profile_url}|{handle}>"
    who = f"*{sanitize(card.author_name, 80)}* {handle} on {sanitize(card.network, 20)}"
    if card.tier != "standard":
        who += f"  `{sanitize(card.tier, 20).upper()}`"
    when = f"<!date^{int(card.created_at.timestamp())}^{{date_short_pretty}} at {{time}}|{card.posted_ago}>"
    link = f" · <{card.url}|view on {sanitize(card.network, 20)}>" if card.url and _SAFE_URL.match(card.url) else ""
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
    if card.moved_to is not None:  # the old card of a complaint that moved to another queue: a pointer, no buttons
        there = (
            f": <{card.moved_link}|its card is there>" if card.moved_link and _SAFE_URL.match(card.moved_link) else ""
        )
        pointer = f":arrow_right: Moved to *{sanitize(card.moved_to, 80)}*{there}"
        return [*blocks[:3], {"type": "section", "text": {"type": "mrkdwn", "text": pointer}}]
    if card.actions or card.more or card.ticket_page:
        elements = [_button(card, action) for action in card.actions]
        if card.ticket_page:
            elements.append(_open_ticket_button(card))
        if card.more:
            elements.append(_more_menu(card))
        blocks.append({"type": "actions", "block_id": f"complaint:{card.complaint_id}", "elements": elements})
    return blocks


def _open_ticket_button(card: CardView) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_ids.OPEN_TICKET,
        "text": {"type": "plain_text", "text": "Open ticket"},
        "value": str(card.complaint_id),
    }


def _more_menu(card: CardView) -> dict[str, Any]:
    return {
        "type": "overflow",
        "action_id": action_ids.MORE,
        "options": [
            {"text": {"type": "plain_text", "text": _MORE_TEXT[action]}, "value": f"{action.value}:{card.complaint_id}"}
            for action in card.more
        ],
    }


def activity_text(line: ActivityLine) -> str:
    """A history line for the card's thread: the actor (mentioned, when a Slack user) and what they did."""
    user_id = line.actor.handles.get(SURFACE)
    who = f"<@{user_id}>" if user_id else f"*{sanitize(line.actor.name, 80)}*"
    return f"{who} {sanitize(line.text, 500)}"


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


def notice_blocks(body: str, take_next: str | None, acknowledge_all: str | None) -> list[dict[str, Any]]:
    """A notice (already mrkdwn) with its buttons: "Take next" (the next complaint waiting on that queue, for the
    presser) and "Acknowledge all" (the incident reply's form, for leads)."""
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": part[:3000]}} for part in _parts(body)]
    buttons: list[dict[str, Any]] = []
    if take_next:
        buttons.append(
            {
                "type": "button",
                "action_id": action_ids.TAKE_NEXT,
                "text": {"type": "plain_text", "text": "Take next"},
                "style": "primary",
                "value": take_next[:2000],
            }
        )
    if acknowledge_all:
        buttons.append(
            {
                "type": "button",
                "action_id": action_ids.INCIDENT,
                "text": {"type": "plain_text", "text": "Acknowledge all"},
                "value": acknowledge_all[:2000],
            }
        )
    return [*sections, {"type": "actions", "block_id": "notice", "elements": buttons}]


def _parts(body: str, size: int = 2900) -> list[str]:
    """The body cut at line ends into pieces a section takes (at most five)."""
    parts: list[str] = []
    for line in body.split("\n"):
        if parts and len(parts[-1]) + len(line) + 1 <= size:
            parts[-1] += "\n" + line
        else:
            parts.append(line[:size])
    return parts[:5]
