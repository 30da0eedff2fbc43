"""Render a CardView as an Adaptive Card (the only place that knows Adaptive Cards' card layout).

Buttons without a form are `Action.Execute` (verb: the action), so Teams sends an invoke the
bot answers with the card as it now stands. Buttons with a form open a dialog (`task/fetch`).
Less frequent actions sit in the card's overflow menu (`mode: secondary`).
"""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import (
    AdaptiveCard,
    ExecuteAction,
    MentionedEntity,
    OpenUrlAction,
    RichTextBlock,
    SubmitAction,
    TeamsCardProperties,
    TextBlock,
    TextRun,
)
from microsoft_teams.cards import Mention as CardMention

from bot.teams.text import block, clip, mentions, safe_url
from handlers.cases.agent_desk import WITH_FORM
from handlers.domain.activity import ActivityLine
from handlers.domain.card import STANDARD_TIER, CardView, FollowUpLine
from handlers.domain.complaint import Action, Delivery, PublicReply, Status, Ticket
from handlers.domain.rich_text import Line

CARD_VERSION = "1.5"
OPEN_TICKET = "open_ticket"  # the verb of "Open ticket": a short-lived link, for the clicker alone
TAKE_NEXT = "take_next"  # the verb of a queue summary's "Take next": the next complaint, claimed for the clicker
INCIDENT_DIALOG = "incident"  # the dialog of an incident's "Acknowledge all": one reply to all its complaints

TITLES = {
    Action.CLAIM: "Claim",
    Action.RELEASE: "Release",
    Action.ACKNOWLEDGE: "Acknowledge publicly",
    Action.TICKET: "Move to ticket",
    Action.PRIVATE: "Move to DMs",
    Action.PRIVATE_REPLY: "Reply privately",
    Action.CLOSE: "Close",
    Action.REASSIGN: "Reassign…",
    Action.DISMISS: "Dismiss…",
    Action.MERGE: "Merge into…",
    Action.ESCALATE: "Escalate to on-call",
}
_STATE = {
    Status.NEW: "🟡 New: waiting for an agent",
    Status.ACKNOWLEDGED: "💬 Acknowledged publicly",
    Status.TICKETED: "🎫 Moved to a ticket",
    Status.CLOSED: "✅ Closed",
    Status.DISMISSED: "🚫 Dismissed",
    Status.MERGED: "🔗 Merged into another case",
}


def as_json(card: AdaptiveCard) -> dict[str, Any]:
    """The card as Teams reads it."""
    return card.model_dump(by_alias=True, exclude_none=True)


def adaptive(body: list[Any], actions: list[Any] | None = None, *, line: str | Line | None = None) -> AdaptiveCard:
    """An Adaptive Card with `body`; with `line`, the mentions it calls for first (the only Markdown-read text)."""
    tagged = mentions(line) if line is not None else []
    if tagged:
        body = [TextBlock(text=" ".join(t.text for t in tagged), wrap=True), *body]
    card = AdaptiveCard(version=CARD_VERSION, body=body, actions=actions or None)
    entities = [CardMention(text=t.text, mentioned=MentionedEntity(id=t.user_id, name=t.name)) for t in tagged]
    card.msteams = TeamsCardProperties(width="full", entities=entities or None)
    return card


def _profile_run(card: CardView) -> TextRun:
    """The customer's handle, opening their profile on the network where there is one."""
    profile = safe_url(card.profile_url) if card.profile_url else None
    handle = f"@{clip(card.author_handle, 64)}"
    return TextRun(text=handle, select_action=OpenUrlAction(url=profile)) if profile else TextRun(text=handle)


def complaint_card(card: CardView, *, notice: str | None = None, link: tuple[str, str] | None = None) -> AdaptiveCard:
    """The card: who, what, when, triage, where it stands, and the buttons that apply now. With `notice`, a line for
    the one person this version is for (a refusal); with `link`, a button opening (label, url) for them."""
    who = [
        TextRun(text=clip(card.author_name, 80), weight="Bolder"),
        TextRun(text="  "),
        _profile_run(card),
        TextRun(text=f" on {clip(card.network, 20)}", is_subtle=True),
    ]
    if card.tier != STANDARD_TIER:
        who.append(TextRun(text=f"  {clip(card.tier, 20).upper()}", weight="Bolder", color="Accent"))
    when: list[TextRun] = [TextRun(text=f"#{card.complaint_id} · {card.posted_ago}", is_subtle=True)]
    url = safe_url(card.url)
    if url:
        view = f"view on {clip(card.network, 20)}"
        when += [TextRun(text=" · ", is_subtle=True), TextRun(text=view, select_action=OpenUrlAction(url=url))]
    body: list[Any] = []
    if notice:
        body.append(RichTextBlock(inlines=[TextRun(text=clip(notice, 300), weight="Bolder", color="Attention")]))
    body += [
        RichTextBlock(inlines=who),
        RichTextBlock(inlines=[TextRun(text=clip(card.text))]),
        RichTextBlock(inlines=when),
    ]
    if card.moved_to is not None:  # the old card of a complaint that moved to another queue: a pointer, no buttons
        body.append(RichTextBlock(inlines=[TextRun(text=f"➡ Moved to {clip(card.moved_to, 80)}", weight="Bolder")]))
        there = safe_url(card.moved_link) if card.moved_link else None
        moved_actions = [OpenUrlAction(title="Its card there", url=there)] if there else None
        return adaptive(body, moved_actions)
    body += [RichTextBlock(inlines=triage_runs(card), spacing="Small"), *state_blocks(card)]
    actions = [_button(card, a) for a in card.actions] + [_button(card, a, secondary=True) for a in card.more]
    if card.ticket_page:
        actions.append(ExecuteAction(title="Open ticket", verb=OPEN_TICKET, data={"complaint_id": card.complaint_id}))
    if link is not None:
        actions.insert(0, OpenUrlAction(title=link[0], url=link[1]))
    made = adaptive(body, actions)
    made.fallback_text = fallback(card)
    return made


def _button(card: CardView, action: Action, *, secondary: bool = False) -> Any:
    mode = "secondary" if secondary else None
    if action in WITH_FORM:
        data = {"msteams": {"type": "task/fetch"}, "dialog_id": action.value, "complaint_id": card.complaint_id}
        return SubmitAction(title=TITLES[action], data=data, mode=mode)
    style = "positive" if action is Action.CLAIM else None
    return ExecuteAction(
        title=TITLES[action], verb=action.value, data={"complaint_id": card.complaint_id}, mode=mode, style=style
    )


def triage_runs(card: CardView) -> list[TextRun]:
    """Topic, priority and why, the noise rule that marked it, and its follow-ups."""
    reasons = " · ".join(clip(r, 80) for r in card.priority_reasons)
    by = "learned" if card.topic_by == "learned" else "rule"
    out = [TextRun(text=clip(card.topic, 40), weight="Bolder"), TextRun(text=f" · {by}", italic=True)]
    out.append(TextRun(text=f" · priority {card.priority}"))
    if reasons:
        out.append(TextRun(text=f" ({reasons})"))
    out.append(TextRun(text=f" · 📥 {clip(card.queue, 32)}"))
    if card.noise_rule:
        out.append(TextRun(text=f" · ⚠ marked: {clip(card.noise_rule, 40)}"))
    if not card.public_reply_allowed:
        out.append(TextRun(text=f" · no public reply: {clip(card.no_reply_because, 80)}"))
    if card.followup_count:
        plural = "s" if card.followup_count > 1 else ""
        out.append(TextRun(text=f" · 💬 {card.followup_count} follow-up{plural} in the thread"))
    return [TextRun(text=r.text, is_subtle=True, weight=r.weight) for r in out]


def state_blocks(card: CardView) -> list[RichTextBlock]:
    """Where the complaint stands: owner, public reply, ticket, dismissal or merge."""
    lines: list[list[TextRun]] = []
    owner = clip(card.owner.name, 80) if card.owner else None
    if card.status is Status.DISMISSED:
        lines.append([TextRun(text=_STATE[Status.DISMISSED] + ": "), TextRun(text=clip(card.dismiss_reason or "", 80))])
    elif card.status is Status.MERGED:
        lines.append([TextRun(text=f"{_STATE[Status.MERGED]} #{card.merged_into}")])
    elif owner and card.status is Status.CLOSED:
        lines.append([TextRun(text=f"{_STATE[Status.CLOSED]} · handled by "), TextRun(text=owner, weight="Bolder")])
    elif owner:
        since = f" {card.owner_since}" if card.owner_since else ""
        lines.append([TextRun(text="🙋 Claimed by "), TextRun(text=owner, weight="Bolder"), TextRun(text=since)])
    elif card.status is not Status.CLAIMED:
        lines.append([TextRun(text=_STATE[card.status])])
    if card.reply is not None:
        lines.append(_reply_runs(card.reply))
    if card.ticket is not None:
        lines.append(_ticket_runs(card.ticket))
    if card.private is not None:
        lines.append(_private_runs(card))
    if card.status is Status.CLOSED and not owner:
        lines.append([TextRun(text=_STATE[Status.CLOSED])])
    return [RichTextBlock(inlines=line, spacing="Small") for line in lines]


def _reply_runs(reply: PublicReply) -> list[TextRun]:
    if reply.status is Delivery.SENT:
        url = safe_url(reply.url)
        seen = [TextRun(text=" · "), TextRun(text="see it there", select_action=OpenUrlAction(url=url))] if url else []
        return [TextRun(text="💬 Replied publicly", weight="Bolder"), *seen]
    if reply.status is Delivery.FAILED:
        return [TextRun(text="❌ Public reply refused: ", weight="Bolder"), TextRun(text=clip(reply.error or "", 300))]
    pending = [TextRun(text=f" (retrying: {clip(reply.error, 200)})")] if reply.error else []
    return [TextRun(text="⏳ Public reply on its way", weight="Bolder"), *pending]


def _private_runs(card: CardView) -> list[TextRun]:
    """Where the private hand-off stands; a refusal in the network's words, and the public reply still offered."""
    private, network = card.private, clip(card.network, 20)
    assert private is not None
    if private.status is Delivery.SENT:
        return [TextRun(text=f"🔒 Moved to DMs on {network}", weight="Bolder"), TextRun(text=": answers come here")]
    if private.status is Delivery.FAILED:
        instead = " Reply publicly instead." if card.public_reply_allowed and card.reply is None else ""
        refusal = TextRun(text=f"{clip((private.error or '').rstrip('.'), 300)}.{instead}")
        return [TextRun(text=f"❌ {network} refused the private message: ", weight="Bolder"), refusal]
    pending = f" ({clip(private.error, 200)})" if private.error else ""
    return [TextRun(text=f"⏳ Private message on its way to {network}{pending}", weight="Bolder")]


def _ticket_runs(ticket: Ticket) -> list[TextRun]:
    system = clip(ticket.system, 40)
    if ticket.status is Delivery.SENT:
        url = safe_url(ticket.url)
        number = TextRun(
            text=clip(ticket.number or "", 60), weight="Bolder", select_action=OpenUrlAction(url=url) if url else None
        )
        return [TextRun(text="🎫 Ticket ", weight="Bolder"), number, TextRun(text=f" in {system}")]
    if ticket.status is Delivery.FAILED:
        return [
            TextRun(text=f"❌ Ticket not created in {system}: ", weight="Bolder"),
            TextRun(text=clip(ticket.error or "", 300)),
        ]
    why = f": {clip(ticket.error, 200)}" if ticket.error else ""
    return [TextRun(text=f"⏳ Ticket pending in {system}{why}", weight="Bolder")]


def followup_card(followup: FollowUpLine) -> AdaptiveCard:
    """A customer's follow-up, as a reply in the card's thread."""
    head = [
        TextRun(text=f"↪ @{clip(followup.author_handle, 64)}", weight="Bolder"),
        TextRun(text=f" ({clip(followup.reason, 60)})"),
    ]
    url = safe_url(followup.url)
    if url:
        head += [TextRun(text=" · "), TextRun(text="view the post", select_action=OpenUrlAction(url=url))]
    return adaptive([RichTextBlock(inlines=head), RichTextBlock(inlines=[TextRun(text=clip(followup.text))])])


def activity_card(line: ActivityLine) -> AdaptiveCard:
    """A line of the card's history (who did what), as a reply in its thread."""
    who = TextRun(text=clip(line.actor.name, 80), weight="Bolder")
    return adaptive([RichTextBlock(inlines=[who, TextRun(text=" " + clip(line.text, 500))])])


def line_card(
    text: str | Line,
    *,
    link: tuple[str, str] | None = None,
    take_next: str | None = None,
    acknowledge_all: str | None = None,
) -> AdaptiveCard:
    """An announcement or a direct message: its mentions, its words, a button to the card when there is one, a
    "Take next" button for a queue's summary, and "Acknowledge all" (a dialog, for leads) for an incident."""
    actions: list[Any] = [OpenUrlAction(title=link[0], url=link[1])] if link else []
    if take_next:
        actions.append(ExecuteAction(title="Take next", verb=TAKE_NEXT, data={"queue": take_next}, style="positive"))
    if acknowledge_all:
        data = {"msteams": {"type": "task/fetch"}, "dialog_id": INCIDENT_DIALOG, "incident": acknowledge_all}
        actions.append(SubmitAction(title="Acknowledge all", data=data))
    return adaptive([block(line) for line in _lines(text)], actions or None, line=text)


def _lines(text: str | Line) -> list[str | Line]:
    """A plain text's lines as blocks of their own (a summary), a line of people as one block."""
    return [*text.split("\n")] if isinstance(text, str) and "\n" in text else [text]


def fallback(card: CardView) -> str:
    """The notification's preview text (plain, never read as Markdown by a card)."""
    return f"Complaint #{card.complaint_id} from @{clip(card.author_handle, 64)}: {clip(card.text, 150)}"


def text_card(*lines: str | Line) -> AdaptiveCard:
    """Lines of text as a card (answers, refusals)."""
    return adaptive([block(line) for line in lines] or [block(" ")])
